"""Support of a sentence by the passages it cites: the share of its content words (English)
or characters (Chinese) that the passages contain. Quotations score 1.0; invented text
scores low."""

from __future__ import annotations

import re

from aegle.evidence.text import EN_STOP

SUPPORTED = 0.8


def units(text: str) -> list[str]:
    lowered = text.lower()
    words = [w for w in re.findall(r"[a-z0-9]+", lowered) if w not in EN_STOP]
    return words + re.findall(r"[\u4e00-\u9fff]", lowered)


def support(sentence: str, passages: list[str]) -> float:
    wanted = units(sentence)
    if not wanted:
        return 0.0
    found = set(units(" ".join(passages)))
    return sum(u in found for u in wanted) / len(wanted)


def is_quotation(sentence: str, passages: list[str]) -> bool:
    squash = "".join(sentence.split())
    return bool(squash) and any(squash in "".join(p.split()) for p in passages)
