"""The JSON-lines protocol: exact message shapes; bad input gets an error and serving goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from aegle.clinic.protocol import Session

LEVELS = {"emergency_ambulance", "emergency", "urgent", "routine", "self_care"}


def _send(session: Session, message: object) -> dict[str, object]:
    out = session.handle(json.dumps(message, ensure_ascii=False))
    assert len(out) == 1
    return out[0]


def test_full_interview_shapes() -> None:
    s = Session()
    msg = _send(
        s,
        {
            "type": "start",
            "lang": "zh",
            "age": 30,
            "sex": "F",
            "findings": [{"code": "ddxplus:E_91", "present": True}],
        },
    )
    asked = 0
    while msg["type"] == "question":
        asked += 1
        assert isinstance(msg["id"], str)
        assert msg["kind"] in ("boolean", "choice", "multi", "scale")
        assert all(isinstance(c, str) and ":" in c for c in msg["codes"])  # type: ignore[attr-defined]
        if msg["kind"] in ("choice", "multi"):
            assert msg["options"]
            answer: dict[str, object] = {"values": [msg["options"][0]["code"]]}  # type: ignore[index]
        elif msg["kind"] == "scale":
            assert msg["min"] == 0
            answer = {"value": 5}
        else:
            answer = {"present": asked % 2 == 0}
        msg = _send(s, {"type": "answer", "id": msg["id"], **answer})
    assert msg["type"] == "result"
    assert msg["questions_asked"] == asked
    assert msg["triage"]["level"] in LEVELS  # type: ignore[index]
    assert msg["departments"]
    for entry in msg["differential"]:  # type: ignore[attr-defined]
        assert {"name", "name_en", "icd10", "codes", "probability"} <= set(entry)


def test_errors_do_not_end_the_session() -> None:
    s = Session()
    for bad in [
        "not json",
        "[]",
        '{"type": "nope"}',
        '{"type": "answer", "id": "q1"}',
        '{"type": "finish"}',
        '{"type": "start", "age": "old"}',
        '{"type": "start", "findings": [{"code": 5}]}',
        '{"type": "start", "sex": "X"}',
    ]:
        out = s.handle(bad)
        assert out[0]["type"] == "error"
        assert out[0]["message"]
    q = _send(s, {"type": "start", "lang": "en", "findings": [{"code": "ddxplus:E_201"}]})
    assert q["type"] == "question"
    wrong = _send(s, {"type": "answer", "id": "q99", "present": True})
    assert wrong["type"] == "error"
    two = _send(s, {"type": "answer", "id": q["id"], "present": True, "unknown": True})
    assert two["type"] == "error"
    nxt = _send(s, {"type": "answer", "id": q["id"], "unknown": True})
    assert nxt["type"] in ("question", "result")
    done = _send(s, {"type": "finish"})
    assert done["type"] == "result"


def test_huge_and_empty_messages() -> None:
    s = Session()
    assert _send(s, {"type": "start", "message": "", "max_questions": 0})["type"] == "result"
    big = "我头痛。" * 30_000
    assert _send(s, {"type": "start", "message": big, "max_questions": 0})["type"] == "result"


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "type",
                "id",
                "present",
                "values",
                "value",
                "unknown",
                "message",
                "lang",
                "age",
                "sex",
                "findings",
                "max_questions",
            ]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(-5, 200),
            st.text(max_size=20),
            st.lists(st.text(max_size=5), max_size=3),
            st.sampled_from(["start", "answer", "finish", "q1"]),
        ),
    )
)
def test_any_object_gets_a_protocol_line(message: dict[str, object]) -> None:
    s = Session()
    s.handle('{"type": "start", "findings": [{"code": "ddxplus:E_53", "present": true}]}')
    out = s.handle(json.dumps(message))
    assert len(out) == 1
    assert out[0]["type"] in ("question", "result", "error")


def test_cli_serves_many_interviews_and_prints_only_protocol_lines() -> None:
    aegle = Path(sys.executable).with_name("aegle")
    lines = [
        {
            "type": "start",
            "lang": "en",
            "message": "sore throat and runny nose",
            "max_questions": 0,
        },
        "this is not json",
        {"type": "start", "lang": "zh", "message": "胸口疼，出冷汗", "max_questions": 0},
    ]
    stdin = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
    proc = subprocess.run(
        [str(aegle), "interview", "--jsonl"],
        input=stdin + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [m["type"] for m in out] == ["result", "error", "result"]
    assert out[2]["triage"]["level"] in ("emergency", "emergency_ambulance")


def test_cli_survives_undecodable_bytes_under_a_c_locale() -> None:
    import os

    aegle = Path(sys.executable).with_name("aegle")
    data = '{"type":"start","lang":"zh","message":"头痛","max_questions":0}\n'.encode()
    proc = subprocess.run(
        [str(aegle), "interview", "--jsonl"],
        input=b"\xff\xfe\x80\n" + data,
        capture_output=True,
        timeout=120,
        check=True,
        env={**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": ""},
    )
    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [m["type"] for m in out] == ["error", "result"]
