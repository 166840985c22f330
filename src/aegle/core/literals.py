"""Which of many strings occur in a text, found in one regex scan.

Keyword engines (the safety screen, the intent classifier) hold hundreds of plain strings and
used to test each with `in`: hundreds of Python-level checks per message. Here the strings are
compiled into one trie-shaped alternation inside a lookahead, so a single scan reports, at
every position, the longest string starting there; every shorter string starting there is a
prefix of it and comes from a precomputed table. The result is exactly the set of strings that
`string in text` would find, at C speed.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)


def trie_pattern(strings: Iterable[str]) -> str:
    """A regex matching exactly `strings`, factored by common prefixes, longest first."""
    trie: dict[str, Any] = {}
    for string in strings:
        node = trie
        for char in string:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return emit(trie)


class LiteralIndex(Generic[K]):
    """Maps keys to the strings that reveal them; `keys(text)` are those with one present.

    >>> index = LiteralIndex({"pain": ["疼", "痛"], "fever": ["发烧", "发热"], "head": ["头疼"]})
    >>> sorted(index.keys("我头疼还发烧"))
    ['fever', 'head', 'pain']
    """

    def __init__(self, strings_by_key: Mapping[K, Iterable[str]]) -> None:
        self._keys_by_string: dict[str, list[K]] = {}
        for key, strings in strings_by_key.items():
            for string in strings:
                if string:
                    self._keys_by_string.setdefault(string, []).append(key)
        known = set(self._keys_by_string)
        self._prefixes = {
            s: tuple(s[:k] for k in range(1, len(s) + 1) if s[:k] in known) for s in known
        }
        pattern = trie_pattern(sorted(known))
        self._scan = re.compile(f"(?=({pattern}))") if known else None

    def present(self, text: str) -> set[str]:
        """The indexed strings that occur in `text`."""
        found: set[str] = set()
        if self._scan is not None:
            for match in self._scan.finditer(text):
                found.update(self._prefixes[match.group(1)])
        return found

    def keys(self, text: str) -> set[K]:
        """The keys with at least one of their strings in `text`."""
        return {key for string in self.present(text) for key in self._keys_by_string[string]}
