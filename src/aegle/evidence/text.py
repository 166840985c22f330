"""Tokenisation for retrieval (English words, Chinese words via rjieba) and sentence splitting."""

from __future__ import annotations

import re
from collections.abc import Iterable

import rjieba

_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_TOKEN_SPLIT = re.compile(r"([\u3400-\u9fff]+)")

_EN_STOP_WORDS = """
a an the of to and or in on for is are be been being was were with that this these those it
its as at by from your you i me my we our they them their he she his her do does did doing can
could should would will shall may might must have has had having what which who whom when where
why how about into over under than then there here so if not no yes any some all more most
other such only own same too very just also per up down out off again further once both each
few nor s t don get got am let us please tell know want need like much many thing things"""
_ZH_STOP_WORDS = """
的 了 是 在 和 与 或 及 也 都 就 而 被 把 对 为 以 等 这 那 这些 那些 一个 一种 什么 怎么 怎样
如何 吗 呢 吧 啊 我 你 他 她 它 我们 你们 他们 有 没有 会 能 可以 应该 需要 要 不 很 还 又 个 种
些 哪些 多少 几 为什么 打 是否 请问 请 一下 自己 时 时候
如果 因为 所以 但是 但 或者 以及 其 之 中"""
EN_STOP = frozenset(_EN_STOP_WORDS.split())
ZH_STOP = frozenset(_ZH_STOP_WORDS.split())

_added: set[str] = set()
_SHORT_CVC = re.compile(r"[^aeiou]?[aeiou][^aeiouwxy]")


def add_words(words: Iterable[str]) -> None:
    """Teach the Chinese segmenter domain words (the medical user dictionary)."""
    for word in words:
        if word and word not in _added and _CJK.fullmatch(word):
            rjieba.add_word(word, 2000, None)
            _added.add(word)


def _stem(word: str) -> str:
    """Light, predictable English folding (plurals, -ing, -ed, final e), the same on both sides,
    so "recognise" meets "recognising" and "monitored" meets "monitoring"."""
    if not word.isalpha():
        return word
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    stripped = False
    if len(word) > 5 and word.endswith("ing"):
        word, stripped = word[:-3], True
    elif len(word) > 4 and word.endswith("ed"):
        word, stripped = word[:-2], True
    if stripped and len(word) > 2 and word[-1] == word[-2] and word[-1] not in "aeioulsz":
        return word[:-1]  # "stopped", "running": "stop", "run"
    if stripped and _SHORT_CVC.fullmatch(word):
        # Porter's rule: a short consonant-vowel-consonant stem lost an "e" ("caring" is
        # "care", not "car"; "hoped" is "hope"); w, x and y never do ("fixed" is "fix").
        return word + "e"
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Index terms of a text: folded English words and Chinese words (search-mode segmentation)."""
    out: list[str] = []
    for part in _TOKEN_SPLIT.split(text.lower()):
        if not part:
            continue
        if _CJK.fullmatch(part):
            for word in rjieba.cut_for_search(part):
                if word not in ZH_STOP and word.strip():
                    out.append(word)
        else:
            out.extend(_stem(w) for w in _WORD.findall(part) if w not in EN_STOP)
    return out


_SENTENCE = re.compile(r"(?<=[。！？；!?])|(?<=[.;])\s+(?=[A-Z0-9\"(])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage, kept verbatim (quotations must match the passage exactly)."""
    pieces = [p.strip() for line in text.split("\n") for p in _SENTENCE.split(line)]
    return [p for p in pieces if p]


def slugify(text: str) -> str:
    """ASCII slug; empty when the text has no ASCII letters or digits (e.g. Chinese headings)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
