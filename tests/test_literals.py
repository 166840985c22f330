"""LiteralIndex finds exactly the strings `in` would find."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from aegle.core.literals import LiteralIndex, trie_pattern

# A small alphabet makes overlaps, prefixes and repeats common.
ALPHABET = st.sampled_from("头疼痛发烧ab.|*( ")
WORDS = st.lists(st.text(ALPHABET, min_size=1, max_size=4), min_size=1, max_size=12)


@given(strings=WORDS, text=st.text(ALPHABET, max_size=30))
def test_present_equals_the_substring_test(strings: list[str], text: str) -> None:
    index = LiteralIndex({n: [s] for n, s in enumerate(strings)})
    assert index.present(text) == {s for s in strings if s in text}
    assert index.keys(text) == {n for n, s in enumerate(strings) if s in text}


def test_keys_share_strings_and_empty_strings_are_ignored() -> None:
    index = LiteralIndex({"pain": ["疼", "痛", ""], "head": ["头疼"], "none": []})
    assert index.keys("头疼") == {"pain", "head"}
    assert index.keys("") == set()
    assert LiteralIndex[str]({}).keys("anything") == set()


@given(
    st.lists(st.text(st.sampled_from("abc(.*)"), min_size=1, max_size=5), min_size=1, max_size=10)
)
def test_trie_pattern_matches_exactly_its_strings(words: list[str]) -> None:
    pattern = re.compile(trie_pattern(sorted(set(words))))
    for word in words:
        assert pattern.fullmatch(word)
    assert not pattern.fullmatch("zz")
