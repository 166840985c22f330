"""The interview protocol (../shared/eval/PROTOCOL.md) as a pure message handler.

`Session.handle(line)` takes one input line and returns the output messages for it: a question,
a result or an error. One session serves many interviews in a row; bad input never ends it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aegle.clinic.engine import AnswerInput, Interview, Question
from aegle.clinic.model import Model, default_model
from aegle.clinic.result import build_result
from aegle.core.types import normalize_locale

MAX_LINE = 1_000_000
MAX_MESSAGE = 100_000
ANSWER_FIELDS = ("present", "values", "value", "unknown", "message")


def _error(message: str) -> dict[str, Any]:
    return {"type": "error", "message": message}


def question_message(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "question",
        "id": q.id,
        "kind": q.kind,
        "text": q.text,
        "codes": list(q.codes),
    }
    if q.kind in ("choice", "multi"):
        out["options"] = [{"code": code, "text": text} for code, text in q.options]
    if q.kind == "scale":
        out["min"], out["max"] = q.min, q.max
    return out


@dataclass
class Session:
    model: Model = field(default_factory=default_model)
    interview: Interview | None = None

    def handle(self, line: str) -> list[dict[str, Any]]:
        if len(line) > MAX_LINE:
            return [_error(f"line too long ({len(line)} characters; limit {MAX_LINE})")]
        try:
            msg = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as err:
            return [_error(f"not valid JSON: {err}")]
        if not isinstance(msg, dict):
            return [_error("a message must be a JSON object")]
        kind = msg.get("type")
        try:
            if kind == "start":
                return self._start(msg)
            if kind == "answer":
                return self._answer(msg)
            if kind == "finish":
                return self._finish()
        except ValueError as err:
            return [_error(str(err))]
        return [_error(f"unknown message type {kind!r}; expected start, answer or finish")]

    def _step(self) -> list[dict[str, Any]]:
        iv = self.interview
        assert iv is not None
        q = iv.next_question()
        if q is not None:
            return [question_message(q)]
        result = build_result(iv)
        self.interview = None
        return [result]

    def _start(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        lang = msg.get("lang", "en")
        if not isinstance(lang, str):
            raise ValueError("lang must be a string such as 'zh' or 'en'")
        age = msg.get("age")
        if age is not None and (
            isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 130
        ):
            raise ValueError("age must be a number of years between 0 and 130")
        sex = msg.get("sex")
        if sex is not None:
            if not isinstance(sex, str) or sex.upper()[:1] not in ("F", "M"):
                raise ValueError("sex must be 'F' or 'M'")
            sex = sex.upper()[:1]
        message = msg.get("message")
        if message is not None and not isinstance(message, str):
            raise ValueError("message must be a string")
        if message is not None and len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE]
        max_q = msg.get("max_questions")
        if max_q is not None and (
            isinstance(max_q, bool) or not isinstance(max_q, int) or max_q < 0
        ):
            raise ValueError("max_questions must be a non-negative integer")
        findings = []
        raw = msg.get("findings") or []
        if not isinstance(raw, list):
            raise ValueError("findings must be a list of {code, present}")
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("code"), str):
                raise ValueError("each finding needs a string code")
            present = item.get("present", True)
            if not isinstance(present, bool):
                raise ValueError("a finding's present must be true or false")
            findings.append((item["code"], present))
        self.interview = Interview.start(
            lang=normalize_locale(lang, default="en"),
            age=int(age) if age is not None else None,
            sex=sex,
            message=message,
            findings=findings,
            max_questions=max_q,
            model=self.model,
        )
        return self._step()

    def _answer(self, msg: dict[str, Any]) -> list[dict[str, Any]]:
        iv = self.interview
        if iv is None:
            raise ValueError("no interview in progress: send a start message first")
        given = [k for k in ANSWER_FIELDS if k in msg]
        if len(given) != 1:
            raise ValueError(
                "an answer carries exactly one of present, values, value, unknown, message"
            )
        qid = msg.get("id")
        if not isinstance(qid, str):
            raise ValueError("an answer needs the id of the question it answers")
        key = given[0]
        val = msg[key]
        if key == "present" and not isinstance(val, bool):
            raise ValueError("present must be true or false")
        if key == "values" and (
            not isinstance(val, list) or not all(isinstance(v, str) for v in val)
        ):
            raise ValueError("values must be a list of option codes")
        if key == "value" and (isinstance(val, bool) or not isinstance(val, int | float)):
            raise ValueError("value must be a number")
        if key == "unknown" and val is not True:
            raise ValueError("unknown must be true")
        if key == "message" and not isinstance(val, str):
            raise ValueError("message must be a string")
        ans = AnswerInput(
            present=val if key == "present" else None,
            values=tuple(val) if key == "values" else None,
            value=float(val) if key == "value" else None,
            unknown=key == "unknown",
            message=val[:MAX_MESSAGE] if key == "message" else None,
        )
        iv.answer(qid, ans)
        return self._step()

    def _finish(self) -> list[dict[str, Any]]:
        iv = self.interview
        if iv is None:
            raise ValueError("no interview in progress: send a start message first")
        iv.finish()
        return self._step()


__all__ = ["Session", "question_message"]
