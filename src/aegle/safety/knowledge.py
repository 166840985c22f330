"""Strict loader for the safety knowledge in `safety/knowledge/*.yaml`.

Every file has the same shape: optional sections `terms`, `rules`, `hotlines`, `responses` and
`negation`. Unknown keys, bad regular expressions, dangling references and duplicate ids are
load errors, so a typo can never silently switch a rule off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from aegle.core.errors import ConfigurationError
from aegle.core.types import Frozen, LocaleCode, LocalizedText, Source, TriageLevel

KNOWLEDGE_DIR = Path(__file__).resolve().parent / "knowledge"

Category = Literal["crisis", "emergency"]
HotlinePurpose = Literal["ambulance", "police", "crisis", "poison"]
_ID = r"^[a-z0-9_.]+$"

# `<g4>` in a Chinese pattern is a gap of up to 4 characters inside one clause that cannot
# contain a negation character, so 胸<g3>痛 matches 胸口很痛 but not 胸口不痛.
_GAP = re.compile(r"<g(\d{1,2})>")
GAP_CLASS = "[^,.;!?。\n不没无未别非]"
_TRAILING_OPTIONAL = re.compile(r" \([^()]*\)\?$")


def expand_gaps(pattern: str) -> str:
    return _GAP.sub(lambda m: f"{GAP_CLASS}{{0,{int(m.group(1))}}}", pattern)


def compile_pattern(pattern: str, lang: Literal["zh", "en"]) -> re.Pattern[str]:
    """Compile one lexicon pattern; English ones only match whole words."""
    body = expand_gaps(pattern)
    if lang == "en":
        body = rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])"
    return re.compile(body)


def _check_patterns(values: tuple[str, ...], lang: Literal["zh", "en"]) -> tuple[str, ...]:
    for value in values:
        if "(?P" in value:
            raise ValueError(f"named groups are not allowed: {value!r}")
        if value != value.strip() or not value:
            raise ValueError(f"empty or padded pattern: {value!r}")
        letters = re.sub(r"\\.", "", value)
        if lang == "en" and letters != letters.casefold():
            raise ValueError(f"English patterns are matched on case-folded text: {value!r}")
        if _TRAILING_OPTIONAL.search(value):
            # "no more pain (for me)?" needs the space after "pain", so it misses "no more pain."
            raise ValueError(f"put the space inside the trailing optional group: {value!r}")
        try:
            compile_pattern(value, lang)
        except re.error as exc:
            raise ValueError(f"invalid pattern {value!r}: {exc}") from exc
    return values


class Term(Frozen):
    """A named piece of evidence (a symptom, a method of self-harm, a trigger) and its wordings."""

    id: str = Field(pattern=_ID)
    note: str = Field(min_length=1, description="What the term stands for (for reviewers)")
    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = Field(
        default=(),
        description="Patterns (either language) whose span voids an overlapping hit: hyperbole "
        "(累死了, 跳楼价), past history (去年中风), look-alikes (眼皮抽搐)",
    )
    negatable: bool = Field(
        default=True, description="Whether a negation cue before the hit (没有, denies) voids it"
    )

    @field_validator("zh")
    @classmethod
    def _zh(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(value, "zh")

    @field_validator("en", "exceptions")
    @classmethod
    def _en(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(value, "en")

    @model_validator(mode="after")
    def _has_patterns(self) -> Term:
        if not self.zh or not self.en:
            raise ValueError(f"term {self.id} needs both zh and en patterns")
        return self


class Rule(Frozen):
    """Fires when at least `min_groups` of `groups` (all of them by default) have a present term.

    Each group is an any-of list of term ids: [[chest_pain], [sweating, radiation]] reads
    "chest pain AND (sweating OR radiation)".
    """

    id: str = Field(pattern=_ID)
    category: Category
    level: TriageLevel
    groups: tuple[tuple[str, ...], ...] = ()
    model: Literal["crisis_ngrams"] | None = Field(
        default=None,
        description="Fire from a statistical model instead of term groups (ngram.py); such a "
        "rule is tried only when no other rule fired, so it can only add alarms",
    )
    min_groups: int | None = Field(default=None, ge=1)
    scope: Literal["message", "sentence"] = Field(
        default="message",
        description="Where the groups must co-occur: anywhere in the message, or in one "
        "sentence (compositional concept rules: a wish and a death euphemism in one sentence)",
    )
    calls: tuple[str, ...] = Field(
        default=(), description="Extra hotline ids to offer (each shown only in its region)"
    )
    reason: LocalizedText
    advice: LocalizedText | None = None
    sources: tuple[Source, ...] = Field(min_length=1)

    @field_validator("level")
    @classmethod
    def _urgent_only(cls, value: TriageLevel) -> TriageLevel:
        if value not in (TriageLevel.EMERGENCY_AMBULANCE, TriageLevel.EMERGENCY):
            raise ValueError("safety rules force emergency_ambulance or emergency only")
        return value

    @model_validator(mode="after")
    def _groups(self) -> Rule:
        if self.model is not None:
            if self.groups or self.category != "crisis":
                raise ValueError(f"rule {self.id}: a model rule is a crisis rule without groups")
            return self
        if not self.groups:
            raise ValueError(f"rule {self.id} needs groups of terms or a model")
        if any(not group for group in self.groups):
            raise ValueError(f"rule {self.id} has an empty group")
        if self.min_groups is not None and self.min_groups > len(self.groups):
            raise ValueError(f"rule {self.id}: min_groups exceeds the number of groups")
        return self

    @property
    def required(self) -> int:
        return self.min_groups if self.min_groups is not None else len(self.groups)


class Hotline(Frozen):
    id: str = Field(pattern=_ID)
    number: str = Field(pattern=r"^[0-9][0-9-]{1,15}$")
    region: Literal["CN", "US", "INTL"]
    purpose: HotlinePurpose
    name: LocalizedText
    source: Source


class Response(Frozen):
    """The message for one situation and the hotlines offered with it, per locale."""

    id: Literal["crisis", "emergency_ambulance", "emergency", "not_a_doctor"]
    text: LocalizedText
    calls_zh: tuple[str, ...] = ()
    calls_en: tuple[str, ...] = ()

    def calls(self, locale: LocaleCode) -> tuple[str, ...]:
        return self.calls_zh if locale == "zh-CN" else self.calls_en


class Negation(Frozen):
    """NegEx-style negation: a cue shortly before a hit, inside the same clause, voids it."""

    source: Source
    zh_cues: tuple[str, ...] = Field(min_length=1)
    zh_pseudo: tuple[str, ...] = Field(description="Look like cues but are not (是不是, 不停)")
    zh_post: tuple[str, ...] = Field(description="Cues right after a hit (胸痛: 无)")
    zh_window: int = Field(ge=1, le=20, description="Characters before the hit that are searched")
    en_cues: tuple[str, ...] = Field(min_length=1)
    en_pseudo: tuple[str, ...]
    en_post: tuple[str, ...]
    en_window: int = Field(ge=1, le=10, description="Words before the hit that are searched")
    clause_breaks: tuple[str, ...] = Field(min_length=1)
    hypothetical_source: Source | None = None
    zh_hypothetical: tuple[str, ...] = Field(
        default=(),
        description="ConText-style hypothetical cues (如果, 万一, 怎么预防) that void an emergency "
        "term later in the same clause; crisis terms are never voided by them",
    )
    en_hypothetical: tuple[str, ...] = ()
    zh_historical: tuple[str, ...] = Field(
        default=(),
        description="ConText-style historical cues (去年, 小时候, years ago) anywhere in the "
        "clause of an emergency term void it: a past event is not an emergency now",
    )
    en_historical: tuple[str, ...] = ()
    crisis_zh_window: int = Field(
        default=4,
        ge=1,
        le=20,
        description="Characters before a crisis hit searched for a negation cue (narrower than "
        "zh_window: a 不 earlier in the clause rarely negates suicidal talk)",
    )
    hypothetical_zh_window: int = Field(default=12, ge=1, le=30)
    hypothetical_en_window: int = Field(default=8, ge=1, le=15)

    @field_validator("zh_cues", "zh_pseudo", "zh_post", "zh_hypothetical", "zh_historical")
    @classmethod
    def _zh(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(value, "zh")

    @field_validator(
        "en_cues", "en_pseudo", "en_post", "clause_breaks", "en_hypothetical", "en_historical"
    )
    @classmethod
    def _en(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _check_patterns(value, "en")


class KnowledgeFile(Frozen):
    """One YAML file; any subset of the sections."""

    description: str = Field(min_length=1)
    terms: tuple[Term, ...] = ()
    rules: tuple[Rule, ...] = ()
    hotlines: tuple[Hotline, ...] = ()
    responses: tuple[Response, ...] = ()
    negation: Negation | None = None


class SafetyKnowledge(Frozen):
    """Everything the screen needs, merged from all files and cross-checked."""

    terms: tuple[Term, ...]
    rules: tuple[Rule, ...]
    hotlines: tuple[Hotline, ...]
    responses: tuple[Response, ...]
    negation: Negation

    @model_validator(mode="after")
    def _consistent(self) -> SafetyKnowledge:
        groups: tuple[tuple[str, list[str]], ...] = (
            ("term", [t.id for t in self.terms]),
            ("rule", [r.id for r in self.rules]),
            ("hotline", [h.id for h in self.hotlines]),
            ("response", [str(r.id) for r in self.responses]),
        )
        for kind, ids in groups:
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                raise ValueError(f"duplicate {kind} ids: {duplicates}")
        term_ids = {t.id for t in self.terms}
        for rule in self.rules:
            missing = sorted({t for g in rule.groups for t in g} - term_ids)
            if missing:
                raise ValueError(f"rule {rule.id} refers to unknown terms {missing}")
        hotline_ids = {h.id for h in self.hotlines}
        for rule in self.rules:
            for call in rule.calls:
                if call not in hotline_ids:
                    raise ValueError(f"rule {rule.id} offers unknown hotline {call}")
        for response in self.responses:
            for call in (*response.calls_zh, *response.calls_en):
                if call not in hotline_ids:
                    raise ValueError(f"response {response.id} offers unknown hotline {call}")
        missing_responses = {"crisis", "emergency_ambulance", "emergency", "not_a_doctor"} - {
            r.id for r in self.responses
        }
        if missing_responses:
            raise ValueError(f"missing responses: {sorted(missing_responses)}")
        return self

    @cached_property
    def hotline_by_id(self) -> dict[str, Hotline]:
        return {h.id: h for h in self.hotlines}

    @cached_property
    def response_by_id(self) -> dict[str, Response]:
        return {r.id: r for r in self.responses}


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice in one mapping (PyYAML keeps the last one,
    which would silently drop a list of patterns)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)  # type: ignore[no-untyped-call]
    return mapping


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _mapping_without_duplicates,
)


def load_files(paths: Iterable[Path]) -> SafetyKnowledge:
    """Load and merge knowledge files; any problem is a ConfigurationError naming the file."""
    files: list[KnowledgeFile] = []
    for path in sorted(paths):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
            files.append(KnowledgeFile.model_validate(raw))
        except (OSError, yaml.YAMLError, ValidationError) as exc:
            raise ConfigurationError(f"invalid safety knowledge file {path.name}: {exc}") from exc
    negations = [f.negation for f in files if f.negation is not None]
    if len(negations) != 1:
        raise ConfigurationError(f"expected one negation section, found {len(negations)}")
    try:
        return SafetyKnowledge(
            terms=tuple(t for f in files for t in f.terms),
            rules=tuple(r for f in files for r in f.rules),
            hotlines=tuple(h for f in files for h in f.hotlines),
            responses=tuple(r for f in files for r in f.responses),
            negation=negations[0],
        )
    except ValidationError as exc:
        raise ConfigurationError(f"inconsistent safety knowledge: {exc}") from exc


def load_default() -> SafetyKnowledge:
    return load_files(KNOWLEDGE_DIR.glob("*.yaml"))
