from __future__ import annotations

from datetime import timedelta

import pytest

from aegle.bootstrap import Platform
from aegle.core.clock import FrozenClock
from aegle.core.errors import AuthenticationRequired, Conflict, InvalidInput, RateLimited
from aegle.core.types import Role


def test_register_hashes_with_argon2id_and_normalises_username(platform: Platform) -> None:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="  Alice ", password="correct horse")
    assert user.username == "alice"
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert user.role == "patient"


@pytest.mark.parametrize(
    ("username", "password"),
    [("a", "longenough"), ("bad name", "longenough"), ("x" * 33, "longenough"), ("bob", "short")],
)
def test_register_rejects_bad_input(platform: Platform, username: str, password: str) -> None:
    with pytest.raises(InvalidInput), platform.unit_of_work() as s:
        s.accounts.register(username=username, password=password)


def test_duplicate_username_conflicts(platform: Platform) -> None:
    with platform.unit_of_work() as s:
        s.accounts.register(username="carol", password="password1")
    with pytest.raises(Conflict), platform.unit_of_work() as s:
        s.accounts.register(username="CAROL", password="password2")


def test_token_expires_and_revokes(platform: Platform, clock: FrozenClock) -> None:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="dave", password="password1")
        issued = s.accounts.issue_token(user)
    with platform.unit_of_work() as s:
        assert s.accounts.authenticate_token(issued.token).user.id == user.id
    clock.advance(timedelta(hours=platform.settings.auth.token_ttl_hours, seconds=1))
    with pytest.raises(AuthenticationRequired), platform.unit_of_work() as s:
        s.accounts.authenticate_token(issued.token)

    clock.advance(-timedelta(hours=1))
    with platform.unit_of_work() as s:
        s.accounts.revoke_token(issued.token)
    with pytest.raises(AuthenticationRequired), platform.unit_of_work() as s:
        s.accounts.authenticate_token(issued.token)


def test_tokens_are_stored_hashed(platform: Platform) -> None:
    from sqlalchemy import select

    from aegle.store.tables import ApiToken

    with platform.unit_of_work() as s:
        user = s.accounts.register(username="erin", password="password1")
        issued = s.accounts.issue_token(user)
    with platform.unit_of_work() as s:
        stored = s.gate.session.scalars(select(ApiToken.token_hash)).all()
    assert issued.token not in stored
    assert len(stored) == 1
    assert len(stored[0]) == 64


def test_login_rate_limit_per_username(platform: Platform, clock: FrozenClock) -> None:
    with platform.unit_of_work() as s:
        s.accounts.register(username="frank", password="password1")
    limit = platform.settings.auth.login_max_failures
    for _ in range(limit):
        with platform.unit_of_work() as s:
            assert (
                s.accounts.verify_login(username="frank", password="nope!!!!", client="c") is None
            )
    # Even the right password is refused while the limit holds.
    with pytest.raises(RateLimited), platform.unit_of_work() as s:
        s.accounts.verify_login(username="frank", password="password1", client="c")
    clock.advance(timedelta(minutes=platform.settings.auth.login_window_minutes, seconds=1))
    with platform.unit_of_work() as s:
        assert s.accounts.verify_login(username="frank", password="password1", client="c")


def test_unknown_user_and_wrong_password_look_the_same(platform: Platform) -> None:
    with platform.unit_of_work() as s:
        s.accounts.register(username="gina", password="password1")
        assert s.accounts.verify_login(username="nobody", password="password1", client="c") is None
        assert s.accounts.verify_login(username="gina", password="wrong-pass", client="c") is None


def test_web_session_roundtrip_and_logout(platform: Platform) -> None:
    with platform.unit_of_work() as s:
        user = s.accounts.register(username="hank", password="password1", role=Role.DOCTOR)
        issued = s.accounts.open_session(user)
    with platform.unit_of_work() as s:
        auth = s.accounts.authenticate_session(issued.session_id)
        assert auth.user.id == user.id
        assert auth.csrf_token == issued.csrf_token
        s.accounts.close_session(issued.session_id)
    with pytest.raises(AuthenticationRequired), platform.unit_of_work() as s:
        s.accounts.authenticate_session(issued.session_id)
