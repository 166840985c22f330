"""The composition root: settings -> adapters -> services. Used by the API, the web UI and the
CLI alike; nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from threading import Lock
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from aegle.assistant.model import PreparedTurn
from aegle.clinic.protocol import Session as InterviewSession
from aegle.core.clock import SystemClock
from aegle.core.errors import InvalidInput
from aegle.core.ports import Clock, SafetyAssessment
from aegle.core.types import LocaleCode
from aegle.services.access import AccessGate
from aegle.services.accounts import Accounts, make_password_hasher
from aegle.services.audit import AuditLog, HeadHint
from aegle.services.consent import Consents
from aegle.services.conversations import Conversations, Responder, message_text
from aegle.services.health_data import HealthData, HealthDataSection
from aegle.services.interviews import Interviews, SessionCache
from aegle.services.labs import LabReports, LabReportSection
from aegle.services.privacy import DEFAULT_SECTIONS, Privacy
from aegle.settings import Settings, load_settings
from aegle.store import migrate
from aegle.store.db import Database, create_db_engine

if TYPE_CHECKING:
    from aegle.evidence.answer import Answer
    from aegle.evidence.service import EvidenceService
    from aegle.services.citations import CitationResolver


@dataclass
class Services:
    """Everything one unit of work needs, sharing one transaction."""

    accounts: Accounts
    gate: AccessGate
    audit: AuditLog
    conversations: Conversations
    consents: Consents
    privacy: Privacy
    interviews: Interviews
    health_data: HealthData
    labs: LabReports


class Platform:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        responder: Responder | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._responder = responder

    @cached_property
    def database(self) -> Database:
        db = self.settings.database
        return Database(
            create_db_engine(
                self.settings.database_url,
                echo=db.echo,
                pool_size=db.pool_size,
                busy_timeout_ms=db.sqlite_busy_timeout_ms,
            )
        )

    @cached_property
    def audit_head(self) -> HeadHint:
        return HeadHint()

    @cached_property
    def password_hasher(self) -> PasswordHasher:
        return make_password_hasher(self.settings.auth)

    @cached_property
    def responder(self) -> Responder:
        if self._responder is not None:
            return self._responder
        # Imported here: loading the knowledge behind the assistant is start-up work.
        from aegle.assistant.orchestrator import build_default_assistant

        return build_default_assistant(self.evidence)

    def evidence_answer(self, question: str, lang: LocaleCode) -> tuple[SafetyAssessment, Answer]:
        """An evidence answer with the safety screen first (the API's and the CLI's `ask`):
        an emergency or crisis question gets the screen's advice, not quotations."""
        from aegle.assistant.evidence import screened_answer
        from aegle.assistant.orchestrator import default_safety_screen

        return screened_answer(default_safety_screen(), question, lang, self.evidence.answer)

    def prepare_turn(
        self, text: str, locale: LocaleCode, *, answer: bool = True
    ) -> PreparedTurn | None:
        """The text-only part of a chat turn (safety screen, intent, skill), done before the
        conversation's transaction so the write lock is held only for database work. None when
        the text is invalid: the turn itself then reports it, after authentication. With
        `answer=False` the skill's answer is left to `responder.complete`."""
        try:
            text = message_text(text, self.settings.api.max_message_chars)
        except InvalidInput:
            return None
        return self.responder.prepare(text, locale, answer=answer)

    @cached_property
    def evidence(self) -> EvidenceService:
        """The one evidence service of this process (chat, API, web and CLI): the built-in
        corpus plus the person's added documents, hybrid when `evidence.dense` is on."""
        return build_evidence_service(dense=self.settings.evidence.dense)

    @cached_property
    def citations(self) -> CitationResolver:
        """Opens every citation id a card or an answer carries: corpus passages and the
        knowledge entries of clinic, labs, vitals and safety (GET /api/v1/evidence/{id})."""
        from aegle.services.citations import CitationResolver

        return CitationResolver(self.evidence)

    @cached_property
    def interview_sessions(self) -> SessionCache:
        return SessionCache()

    def new_interview_session(self) -> InterviewSession:
        # Imported here: compiling the clinic knowledge is start-up work, done once, lazily.
        from aegle.clinic.model import default_model

        return InterviewSession(model=default_model())

    def upgrade_database(self) -> None:
        migrate.upgrade(self.database)

    @contextmanager
    def unit_of_work(self) -> Iterator[Services]:
        denials: list[dict[str, object]] = []
        try:
            with self.database.transaction() as session:
                audit = AuditLog(session, self.clock, self.audit_head)
                denials = audit.denials
                yield self._services(session, audit)
            self.audit_head.committed(audit.written_head)
        except Exception:
            if denials:  # the failed request rolled back; its denied accesses stay on record
                with self.database.transaction() as session:
                    AuditLog(session, self.clock).replay(denials)
            raise

    def _services(self, session: Session, audit: AuditLog) -> Services:
        gate = AccessGate(session, self.clock, audit)
        consents = Consents(self.clock)
        health_data = HealthData(
            gate,
            consents,
            self.clock,
            timezone=self.settings.app.timezone,
            bp_scheme=self.settings.vitals.bp_scheme,
        )
        interviews = Interviews(
            gate, self.clock, self.new_interview_session, self.interview_sessions
        )
        return Services(
            accounts=Accounts(session, self.clock, self.settings.auth, self.password_hasher, audit),
            gate=gate,
            audit=audit,
            conversations=Conversations(
                gate,
                self.clock,
                lambda: self.responder,
                self.settings.api.max_message_chars,
                interviews=interviews,
                health_data=health_data,
                timezone=self.settings.app.timezone,
            ),
            consents=consents,
            privacy=Privacy(
                gate, self.clock, (*DEFAULT_SECTIONS, HealthDataSection(), LabReportSection())
            ),
            interviews=interviews,
            health_data=health_data,
            labs=LabReports(gate, self.clock),
        )

    def close(self) -> None:
        if "database" in self.__dict__:
            self.database.dispose()


_evidence_services: dict[tuple[object, ...], EvidenceService] = {}
_evidence_lock = Lock()


def build_evidence_service(*, dense: bool) -> EvidenceService:
    """The process's evidence service for the evidence folder ($AEGLE_EVIDENCE_DIR): one per
    folder, dense setting and set of added documents, so platforms, the CLI and the chat's
    assistant (built once per service: seconds of knowledge compiling) share it, and a document
    added since is seen."""
    # Imported here: the corpus, its index and the embedding model are built lazily.
    from aegle.evidence.service import EvidenceService, default_embedder, default_evidence_dir

    root = default_evidence_dir()
    documents = root / "documents"
    files = sorted(documents.iterdir()) if documents.is_dir() else []
    key = (str(root), dense, tuple((f.name, f.stat().st_mtime_ns) for f in files))
    with _evidence_lock:
        if key not in _evidence_services:
            _evidence_services[key] = EvidenceService(
                extra_dirs=[documents],
                cache_dir=root / "cache",
                embedder=default_embedder() if dense else None,
            )
        return _evidence_services[key]


def build_platform(settings: Settings | None = None, **kwargs: object) -> Platform:
    return Platform(settings or load_settings(), **kwargs)  # type: ignore[arg-type]
