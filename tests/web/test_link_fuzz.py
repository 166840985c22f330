"""Fuzz the small parsers that decide where the UI may send people: post-sign-in redirects and
the hrefs of assistant actions."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from aegle.assistant.model import Action, ActionKind
from aegle.web.rendering import safe_next
from aegle.web.views import ActionView

tricky = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["//", "/\\", "javascript:", "https://", "tel:", "/chat", "data:"]).flatmap(
        lambda prefix: st.text(max_size=40).map(lambda rest: prefix + rest)
    ),
)


@given(tricky)
def test_safe_next_never_leaves_the_site(value: str) -> None:
    target = safe_next(value)
    assert target.startswith("/")
    assert not target.startswith(("//", "/\\"))
    assert not urlsplit(target).netloc
    assert "\\" not in target
    assert all(ord(ch) >= 32 and ord(ch) != 127 for ch in target)


@given(st.sampled_from(["call", "link", "message"]), tricky)
def test_action_hrefs_are_tel_http_or_local(kind: ActionKind, value: str) -> None:
    view = ActionView.of(Action(kind=kind, label="x", value=value))
    if view is None or view.href is None:
        return
    href = view.href
    if kind == "call":
        assert href.startswith("tel:")
        assert all(ch.isdigit() or ch == "+" for ch in href[4:])
    else:
        assert href.startswith(("https://", "http://")) or (
            href.startswith("/") and not href.startswith("//")
        )
