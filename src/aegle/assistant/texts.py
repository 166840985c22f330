"""The assistant's user-facing strings (`knowledge/texts.yaml`), loaded strictly.

One way to do it: every string the orchestrator and the built-in skills show is a LocalizedText
here, so both languages are always present and reviewed together.
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from aegle.assistant.model import INTENTS, Intent
from aegle.core.errors import ConfigurationError
from aegle.core.types import Frozen, LocaleCode, LocalizedText, Source

TEXTS_PATH = Path(__file__).resolve().parent / "knowledge" / "texts.yaml"

SmalltalkKind = Literal["capabilities", "identity", "thanks", "farewell", "greeting"]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Capability(Frozen):
    intent: Intent
    name: LocalizedText
    will_do: LocalizedText
    example: LocalizedText


class Texts(Frozen):
    coming_soon_title: LocalizedText
    coming_soon_body: LocalizedText
    consult_advice: LocalizedText
    disclaimer_title: LocalizedText
    disclaimer: LocalizedText
    capabilities_title: LocalizedText
    capability_item: LocalizedText
    status_ready: LocalizedText
    status_coming: LocalizedText
    greeting: LocalizedText
    thanks: LocalizedText
    farewell: LocalizedText
    identity: LocalizedText
    capabilities_intro: LocalizedText
    safety_title_crisis: LocalizedText
    safety_title_emergency_ambulance: LocalizedText
    safety_title_emergency: LocalizedText
    call_label: LocalizedText
    crisis_follow_up_title: LocalizedText
    crisis_follow_up: LocalizedText
    consult_yes: LocalizedText
    consult_no: LocalizedText
    consult_unsure: LocalizedText
    consult_scale_hint: LocalizedText
    consult_free_text_hint: LocalizedText
    consult_stopped: LocalizedText
    triage_emergency_ambulance: LocalizedText
    triage_emergency: LocalizedText
    triage_urgent: LocalizedText
    triage_routine: LocalizedText
    triage_self_care: LocalizedText
    consult_summary: LocalizedText
    differential_title: LocalizedText
    differential_item: LocalizedText
    departments_title: LocalizedText
    advice_title: LocalizedText
    warning_signs_title: LocalizedText
    report_paste_hint: LocalizedText
    glucose_none: LocalizedText
    evidence_sources_title: LocalizedText
    glucose_summary: LocalizedText
    glucose_group_note: LocalizedText
    report_summary: LocalizedText
    report_critical_title: LocalizedText
    report_abnormal_title: LocalizedText
    report_normal_title: LocalizedText
    report_patterns_title: LocalizedText
    report_questions_title: LocalizedText
    report_limits_title: LocalizedText

    @model_validator(mode="after")
    def _same_placeholders(self) -> Texts:
        for name in type(self).model_fields:
            text: LocalizedText = getattr(self, name)
            if placeholders(text.zh) != placeholders(text.en):
                raise ValueError(f"{name}: zh and en use different placeholders")
        return self


class SmalltalkCue(Frozen):
    kind: SmalltalkKind
    zh: tuple[str, ...] = Field(min_length=1)
    en: tuple[str, ...] = Field(min_length=1)

    @field_validator("zh", "en")
    @classmethod
    def _folded(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cue in value:
            if cue != cue.casefold() or not cue.strip():
                raise ValueError(f"cues are matched on normalised (case-folded) text: {cue!r}")
        return value

    def matches(self, normal: str) -> bool:
        return any(cue in normal for cue in self.zh) or any(
            re.search(rf"(?<![a-z]){re.escape(cue)}(?![a-z])", normal) for cue in self.en
        )


class AssistantTexts(Frozen):
    description: str = Field(min_length=1)
    source: Source
    capabilities: tuple[Capability, ...]
    texts: Texts
    smalltalk: tuple[SmalltalkCue, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _every_capability(self) -> AssistantTexts:
        expected = [i for i in INTENTS if i != "smalltalk"]
        if [c.intent for c in self.capabilities] != expected:
            raise ValueError(f"capabilities must be listed once each, in order: {expected}")
        return self

    def capability(self, intent: Intent) -> Capability:
        for capability in self.capabilities:
            if capability.intent == intent:
                return capability
        raise KeyError(intent)

    def get(self, key: str, locale: LocaleCode, **params: str) -> str:
        text: LocalizedText = getattr(self.texts, key)
        return text.get(locale).format(**params) if params else text.get(locale)


def load_texts(path: Path = TEXTS_PATH) -> AssistantTexts:
    try:
        return AssistantTexts.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigurationError(f"invalid assistant texts {path.name}: {exc}") from exc


@cache
def default_texts() -> AssistantTexts:
    return load_texts()
