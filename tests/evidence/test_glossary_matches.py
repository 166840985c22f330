"""The glossary's one-scan lookup finds exactly what testing every name would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.evidence.glossary import Glossary, default_glossary

GLOSSARY = default_glossary()
NAMES = sorted({n for t in GLOSSARY.terms for n in (*t.zh, *t.en)})


def every_name(glossary: Glossary, text: str) -> list[int]:
    """The plain definition: each Chinese name as a substring, each English name as a word."""
    found: list[int] = []
    for word, i in glossary._zh:
        if word in text and i not in found:
            found.append(i)
    lowered = text.lower()
    for pattern, i in glossary._en:
        if i not in found and pattern.search(lowered):
            found.append(i)
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NAMES) | st.text(max_size=6), max_size=6), st.sampled_from(" ,的x"))
def test_matches_equals_testing_every_name(parts: list[str], glue: str) -> None:
    text = glue.join(parts)
    assert GLOSSARY.matches(text) == every_name(GLOSSARY, text)


def test_a_known_pair_is_bridged() -> None:
    assert "hypertension" in GLOSSARY.expand("我有高血压")
    assert "高血压" in GLOSSARY.expand("Is HYPERTENSION dangerous?")
