"""Accounts, passwords, API tokens, web sessions, login rate limiting and care grants."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Table, bindparam, delete, func, select
from sqlalchemy.orm import Session

from aegle.core.errors import (
    AuthenticationRequired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from aegle.core.i18n import N_
from aegle.core.ports import Clock
from aegle.core.text import clean_user_text
from aegle.core.types import LocaleCode, Role
from aegle.services.actor import Actor
from aegle.services.audit import AuditLog
from aegle.settings import AuthSettings
from aegle.store.driver import DriverStatement
from aegle.store.tables import ApiToken, Base, CareGrant, LoginAttempt, User, WebSession

USERNAME_PATTERN = re.compile(r"^[\w.-]{2,32}$")
TOKEN_PREFIX = "aeg_"  # noqa: S105 - a public prefix, not a secret


def make_password_hasher(settings: AuthSettings) -> PasswordHasher:
    # argon2-cffi's default type is argon2id.
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def secret_digest(secret: str) -> str:
    """Tokens and session ids are random (256 bits), so a plain SHA-256 is the right store."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret_bytes(password: str) -> bytes:
    """Any str a client can send (lone surrogates included) hashes without crashing."""
    return password.encode("utf-8", "surrogatepass")


# Hot-path statements use the tables' Core columns (not ORM attributes, whose annotations
# cost a comparison per column on every execution) and are built once.
_USERS: Table = Base.metadata.tables["users"]
_TOKENS: Table = Base.metadata.tables["api_tokens"]
_PRINCIPAL_COLUMNS = tuple(
    _USERS.c[name] for name in ("id", "username", "role", "display_name", "locale", "disabled")
)
_TOKEN_LOOKUP = DriverStatement(
    select(*_PRINCIPAL_COLUMNS, _TOKENS.c.expires_at, _TOKENS.c.revoked_at)
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(_TOKENS.c.token_hash == bindparam("digest"))
)
_WEB_SESSIONS: Table = Base.metadata.tables["web_sessions"]
_SESSION_LOOKUP = DriverStatement(
    select(
        *_PRINCIPAL_COLUMNS,
        _WEB_SESSIONS.c.expires_at,
        _WEB_SESSIONS.c.revoked_at,
        _WEB_SESSIONS.c.csrf_token,
    )
    .join(_USERS, _USERS.c.id == _WEB_SESSIONS.c.user_id)
    .where(_WEB_SESSIONS.c.session_hash == bindparam("digest"))
)
_ROLES = frozenset(role.value for role in Role)


def _principal(row: Any) -> Principal:
    if row.disabled or row.role not in _ROLES:
        raise AuthenticationRequired()
    return Principal(
        id=row.id,
        username=row.username,
        role=row.role,
        display_name=row.display_name,
        locale=row.locale,
    )


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class IssuedSession:
    session_id: str
    csrf_token: str


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in account as requests see it: a plain value, not a table row."""

    id: str
    username: str
    role: str
    display_name: str
    locale: str


@dataclass(frozen=True, slots=True)
class AuthenticatedUser:
    user: Principal
    csrf_token: str | None = None

    def actor(self, origin: str) -> Actor:
        return Actor(user_id=self.user.id, role=Role(self.user.role), origin=origin)


class Accounts:
    def __init__(
        self,
        session: Session,
        clock: Clock,
        settings: AuthSettings,
        hasher: PasswordHasher,
        audit: AuditLog,
    ) -> None:
        self._session = session
        self._clock = clock
        self._settings = settings
        self._hasher = hasher
        self._audit = audit

    # -- users -------------------------------------------------------------------------------

    def register(
        self,
        *,
        username: str,
        password: str,
        role: Role = Role.PATIENT,
        display_name: str = "",
        locale: LocaleCode = "zh-CN",
        actor: Actor | None = None,
    ) -> User:
        username = self._check_username(username)
        if len(password) < self._settings.password_min_length:
            raise InvalidInput(
                N_("The password must have at least {min} characters"),
                params={"min": self._settings.password_min_length},
            )
        if len(password) > 1024:
            raise InvalidInput(N_("The password is too long"))
        if self.find(username) is not None:
            raise Conflict(N_("This username is taken"))
        user = User(
            id=new_id(),
            username=username,
            password_hash=self._hasher.hash(_secret_bytes(password)),
            role=role.value,
            display_name=clean_user_text(display_name)[:128],
            locale=locale,
            created_at=self._clock.now(),
            disabled=False,
        )
        self._session.add(user)
        self._session.flush()
        self._audit.record(
            actor or Actor(user_id=user.id, role=role, origin="register"),
            action="account.create",
            resource_type="account",
            resource_id=user.id,
            person_id=user.id,
        )
        return user

    def _check_username(self, username: str) -> str:
        username = clean_user_text(username).lower()
        if not USERNAME_PATTERN.fullmatch(username):
            raise InvalidInput(
                N_("A username has 2 to 32 letters, digits, dots, dashes or underscores")
            )
        return username

    def find(self, username: str) -> User | None:
        return self._session.scalars(
            select(User).where(User.username == clean_user_text(username).lower())
        ).first()

    def get(self, user_id: str) -> User:
        user = self._session.get(User, user_id)
        if user is None:
            raise NotFound()
        return user

    def require_username(self, username: str) -> User:
        user = self.find(username)
        if user is None:
            raise NotFound(N_("No such user"))
        return user

    # -- login and rate limiting ------------------------------------------------------------

    def verify_login(self, *, username: str, password: str, client: str) -> User | None:
        """Check a password with rate limiting per username and per client address.

        Returns None on a wrong password instead of raising, so the caller commits the failed
        attempt (which the rate limit counts) before answering 401.
        """
        now = self._clock.now()
        window_start = now - timedelta(minutes=self._settings.login_window_minutes)
        name = clean_user_text(username).lower()[:64]
        self._session.execute(delete(LoginAttempt).where(LoginAttempt.at < window_start))
        failures_for = func.count(LoginAttempt.id)
        by_name = self._session.scalar(
            select(failures_for).where(
                LoginAttempt.username == name,
                LoginAttempt.at >= window_start,
                LoginAttempt.success.is_(False),
            )
        )
        by_client = self._session.scalar(
            select(failures_for).where(
                LoginAttempt.client == client[:128],
                LoginAttempt.at >= window_start,
                LoginAttempt.success.is_(False),
            )
        )
        limit = self._settings.login_max_failures
        # A shared address (NAT) gets more room than one username.
        if (by_name or 0) >= limit or (by_client or 0) >= limit * 4:
            raise RateLimited()
        user = self.find(name)
        ok = self._password_matches(user, password)
        self._session.add(LoginAttempt(username=name, client=client[:128], at=now, success=ok))
        if not ok or user is None:
            return None
        if self._hasher.check_needs_rehash(user.password_hash):
            user.password_hash = self._hasher.hash(_secret_bytes(password))
        return user

    def _password_matches(self, user: User | None, password: str) -> bool:
        if user is None or user.disabled:
            # Spend the same time as a real check so usernames cannot be probed by timing.
            self._hasher.hash(_secret_bytes(password[:1024]))
            return False
        try:
            return self._hasher.verify(user.password_hash, _secret_bytes(password[:1024]))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    # -- API tokens ---------------------------------------------------------------------------

    def issue_token(self, user: User | Principal, *, label: str = "api") -> IssuedToken:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        ttl = timedelta(hours=self._settings.token_ttl_hours)
        self._session.add(
            ApiToken(
                id=new_id(),
                user_id=user.id,
                token_hash=secret_digest(raw),
                label=label[:64],
                created_at=now,
                expires_at=now + ttl,
                revoked_at=None,
            )
        )
        self._session.flush()
        return IssuedToken(token=raw, expires_in=int(ttl.total_seconds()))

    def authenticate_token(self, raw: str) -> AuthenticatedUser:
        # Core, built once: this runs on every API request.
        found = _TOKEN_LOOKUP.execute(
            self._session.connection(), {"digest": secret_digest(raw)}
        ).first()
        if found is None or found.revoked_at is not None or found.expires_at <= self._clock.now():
            raise AuthenticationRequired()
        return AuthenticatedUser(user=_principal(found))

    def revoke_token(self, raw: str) -> None:
        token = self._session.scalars(
            select(ApiToken).where(ApiToken.token_hash == secret_digest(raw))
        ).first()
        if token is not None and token.revoked_at is None:
            token.revoked_at = self._clock.now()

    # -- web sessions -------------------------------------------------------------------------

    def open_session(self, user: User | Principal) -> IssuedSession:
        raw = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self._clock.now()
        self._session.add(
            WebSession(
                id=new_id(),
                user_id=user.id,
                session_hash=secret_digest(raw),
                csrf_token=csrf,
                created_at=now,
                expires_at=now + timedelta(hours=self._settings.session_ttl_hours),
                revoked_at=None,
            )
        )
        self._session.flush()
        return IssuedSession(session_id=raw, csrf_token=csrf)

    def authenticate_session(self, raw: str) -> AuthenticatedUser:
        # Core, built once: this runs on every web request.
        row = _SESSION_LOOKUP.execute(
            self._session.connection(), {"digest": secret_digest(raw)}
        ).first()
        if row is None or row.revoked_at is not None or row.expires_at <= self._clock.now():
            raise AuthenticationRequired()
        return AuthenticatedUser(user=_principal(row), csrf_token=row.csrf_token)

    def close_session(self, raw: str) -> None:
        web_session = self._session.scalars(
            select(WebSession).where(WebSession.session_hash == secret_digest(raw))
        ).first()
        if web_session is not None and web_session.revoked_at is None:
            web_session.revoked_at = self._clock.now()

    # -- care grants --------------------------------------------------------------------------

    def grant_care(
        self,
        actor: Actor,
        *,
        patient_id: str,
        doctor_username: str,
        kind: str = "care",
        days: int | None = None,
    ) -> CareGrant:
        """A patient (or an admin on their behalf) lets a doctor read their records."""
        if not (
            (actor.role is Role.PATIENT and actor.user_id == patient_id)
            or actor.role is Role.ADMIN
            or actor.user_id is None
        ):
            raise PermissionDenied()
        if kind not in ("care", "consultation"):
            raise InvalidInput(N_("A grant is either care or consultation"))
        doctor = self.require_username(doctor_username)
        if doctor.role != Role.DOCTOR.value:
            raise InvalidInput(N_("Access can only be granted to a doctor"))
        now = self._clock.now()
        grant = CareGrant(
            id=new_id(),
            doctor_id=doctor.id,
            patient_id=patient_id,
            kind=kind,
            granted_by=actor.user_id or "system",
            created_at=now,
            expires_at=now + timedelta(days=days) if days else None,
            revoked_at=None,
        )
        self._session.add(grant)
        self._session.flush()
        self._audit.record(
            actor,
            action="grant.create",
            resource_type="care_grant",
            resource_id=grant.id,
            person_id=patient_id,
        )
        return grant

    def revoke_grant(self, actor: Actor, grant_id: str) -> None:
        grant = self._session.get(CareGrant, grant_id)
        if grant is None or not (
            actor.user_id in (grant.patient_id, grant.doctor_id) or actor.role is Role.ADMIN
        ):
            raise NotFound()
        if grant.revoked_at is None:
            grant.revoked_at = self._clock.now()
        self._audit.record(
            actor,
            action="grant.revoke",
            resource_type="care_grant",
            resource_id=grant.id,
            person_id=grant.patient_id,
        )

    def grants_for(self, person_id: str) -> list[CareGrant]:
        return list(
            self._session.scalars(
                select(CareGrant)
                .where((CareGrant.patient_id == person_id) | (CareGrant.doctor_id == person_id))
                .order_by(CareGrant.created_at)
            )
        )
