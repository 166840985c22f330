"""Deterministic bilingual intent classifier over a weighted lexicon (`knowledge/intents.yaml`).

A message scores, for each intent, the sum of the weights of the distinct cues it contains.
Chinese cues match as substrings of the normalised text (no segmentation needed for short cue
words), English cues as whole words. The highest score wins; ties go to the intent listed first
in `tie_order` (specific before generic). A message no cue matched is `fallback` (consult: in a
health assistant an unrecognised question is most likely about health); an empty one is `empty`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from aegle.assistant.model import INTENTS, Classification, Intent, IntentScore
from aegle.core.errors import ConfigurationError
from aegle.core.literals import LiteralIndex
from aegle.core.types import Frozen, LocaleCode, Source
from aegle.safety.normalize import normalize

KNOWLEDGE_PATH = Path(__file__).resolve().parent / "knowledge" / "intents.yaml"
_WORD = re.compile(r"[a-z0-9\u3400-\u9fff]")


def _compile(pattern: str, lang: Literal["zh", "en"]) -> re.Pattern[str]:
    if lang == "en":
        return re.compile(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])")
    return re.compile(pattern)


def _check(values: tuple[str, ...], lang: Literal["zh", "en"]) -> tuple[str, ...]:
    for value in values:
        letters = re.sub(r"\\.", "", value)
        if not value.strip() or letters != letters.casefold():
            raise ValueError(f"cues are matched on normalised (case-folded) text: {value!r}")
        try:
            _compile(value, lang)
        except re.error as exc:
            raise ValueError(f"invalid cue {value!r}: {exc}") from exc
    return values


class Cue(Frozen):
    weight: float = Field(gt=0, le=10)
    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()

    @field_validator("zh")
    @classmethod
    def _zh(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check(value, "zh")

    @field_validator("en")
    @classmethod
    def _en(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check(value, "en")


class IntentLexicon(Frozen):
    id: Intent
    description: str = Field(min_length=1)
    cues: tuple[Cue, ...] = Field(min_length=1)


class IntentKnowledge(Frozen):
    description: str = Field(min_length=1)
    source: Source
    tie_order: tuple[Intent, ...]
    fallback: Intent = Field(
        description="For a message no cue matched (a health question by default)"
    )
    empty: Intent = Field(description="For an empty message or one with no letters or characters")
    intents: tuple[IntentLexicon, ...]

    @model_validator(mode="after")
    def _complete(self) -> IntentKnowledge:
        if sorted(self.tie_order) != sorted(INTENTS):
            raise ValueError("tie_order must list every intent exactly once")
        ids = [lexicon.id for lexicon in self.intents]
        if sorted(ids) != sorted(INTENTS):
            raise ValueError(f"the lexicon must cover every intent exactly once, got {ids}")
        return self


def load_knowledge(path: Path = KNOWLEDGE_PATH) -> IntentKnowledge:
    try:
        return IntentKnowledge.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"invalid intent lexicon {path.name}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class _CompiledCue:
    intent: Intent
    weight: float
    pattern: re.Pattern[str]
    # For a cue that is plain text, the text itself: the literal index rules most cues out far
    # faster than running their regex.
    literal: str | None


_METACHARACTERS = set(".^$*+?{}[]\\|()")


def _patterns(cue: Cue) -> list[tuple[Literal["zh", "en"], str]]:
    zh: list[tuple[Literal["zh", "en"], str]] = [("zh", p) for p in cue.zh]
    return zh + [("en", p) for p in cue.en]


def _literal(pattern: str) -> str | None:
    return None if _METACHARACTERS & set(pattern) else pattern


class KeywordIntentClassifier:
    """IntentClassifier over the weighted lexicon. Build once, share freely (stateless)."""

    def __init__(self, knowledge: IntentKnowledge) -> None:
        self.knowledge = knowledge
        self._rank = {intent: index for index, intent in enumerate(knowledge.tie_order)}
        self._cues = tuple(
            _CompiledCue(lexicon.id, cue.weight, _compile(text, lang), _literal(text))
            for lexicon in knowledge.intents
            for cue in lexicon.cues
            for lang, text in _patterns(cue)
        )
        # Plain-text cues are found by one scan for all of them; only regex cues always run.
        self._by_literal = LiteralIndex(
            {i: [c.literal] for i, c in enumerate(self._cues) if c.literal is not None}
        )
        self._regex_cues = frozenset(i for i, c in enumerate(self._cues) if c.literal is None)

    @classmethod
    def load_default(cls) -> KeywordIntentClassifier:
        return cls(load_knowledge())

    def classify(self, text: str, locale: LocaleCode) -> Classification:
        """`locale` does not change the scores: people mix languages in one message."""
        normal = normalize(text)
        totals: dict[Intent, float] = dict.fromkeys(self.knowledge.tie_order, 0.0)
        matched: dict[Intent, list[str]] = {intent: [] for intent in self.knowledge.tie_order}
        if _WORD.search(normal):
            # In lexicon order, so `matched` reads the same whatever the scan order.
            for index in sorted(self._regex_cues | self._by_literal.keys(normal)):
                cue = self._cues[index]
                found = cue.pattern.search(normal)
                if found:
                    totals[cue.intent] += cue.weight
                    matched[cue.intent].append(found.group(0))
        scores = sorted(
            (
                IntentScore(intent=i, score=round(totals[i], 3), matched=tuple(matched[i]))
                for i in self.knowledge.tie_order
            ),
            key=lambda s: (-s.score, self._rank[s.intent]),
        )
        best = scores[0]
        if not _WORD.search(normal):
            intent = self.knowledge.empty
        else:
            intent = best.intent if best.score > 0 else self.knowledge.fallback
        return Classification(intent=intent, scores=tuple(scores))
