"""Answers written by a language model under the evidence rules: it sees only retrieved passages,
ids it invents are dropped, and a verifier removes sentences their cited passages do not support.
Anything that goes wrong falls back to the extractive answer, never to an unchecked one."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aegle.core.types import LocaleCode
from aegle.evidence.answer import Answer, Answerer, AnswerSentence, abstention, compose
from aegle.evidence.verify import SUPPORTED, support
from aegle.llm.guard import build_messages, looks_like_injection
from aegle.llm.port import LanguageModel, LlmError


@dataclass
class LlmTrace:
    """What happened to the model's draft (for logs, tests and the audit trail)."""

    used_model: bool = False
    fell_back: str | None = None
    dropped_ids: list[str] = field(default_factory=list)
    removed_sentences: list[str] = field(default_factory=list)
    flagged_injection: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0


def _parse(text: str) -> list[dict[str, Any]]:
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        raise ValueError("no JSON object")
    data = json.loads(match.group(0))
    sentences = data.get("sentences") if isinstance(data, dict) else None
    if not isinstance(sentences, list):
        raise ValueError("no sentences list")
    return [s for s in sentences if isinstance(s, dict)]


class LlmAnswerer:
    def __init__(
        self, model: LanguageModel, answerer: Answerer, *, min_support: float = SUPPORTED
    ) -> None:
        self.model = model
        self.answerer = answerer
        self.min_support = min_support

    def answer(self, question: str, lang: LocaleCode) -> tuple[Answer, LlmTrace]:
        trace = LlmTrace(flagged_injection=looks_like_injection(question))
        if not question.strip():
            return abstention(lang, empty=True), trace
        _, hits = self.answerer.evidence(question, lang)
        if not hits:
            return abstention(lang), trace
        passages = {h.passage.id: h.passage for h in hits}
        trace.flagged_injection |= any(looks_like_injection(p.text) for p in passages.values())
        messages, _ = build_messages(question, list(passages.values()), lang)
        try:
            completion = self.model.complete(messages, json_mode=True)
            drafts = _parse(completion.text)
        except (LlmError, ValueError) as err:
            trace.fell_back = type(err).__name__
            return self.answerer.answer(question, lang), trace
        trace.used_model = True
        trace.prompt_tokens = completion.prompt_tokens
        trace.completion_tokens = completion.completion_tokens
        kept: list[AnswerSentence] = []
        for draft in drafts:
            text = str(draft.get("text") or "").strip()
            raw_ids = draft.get("citations") or []
            ids = [str(i) for i in raw_ids] if isinstance(raw_ids, list) else []
            known = [i for i in dict.fromkeys(ids) if i in passages]
            trace.dropped_ids.extend(i for i in ids if i not in passages)
            if not text or not known:
                if text:
                    trace.removed_sentences.append(text)
                continue
            if support(text, [passages[i].text for i in known]) < self.min_support:
                trace.removed_sentences.append(text)
                continue
            kept.append(AnswerSentence(text=text, citations=tuple(known)))
        if not kept:
            trace.fell_back = "nothing_supported"
            return self.answerer.answer(question, lang), trace
        return compose(kept, passages, lang), trace
