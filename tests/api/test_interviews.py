"""The interview protocol over HTTP: same messages as the JSON-lines CLI, stored per person,
rebuilt by replay when the in-process session is gone."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from aegle.bootstrap import Platform
from tests.api.conftest import Login


def _answer_all_unknown(
    client: TestClient, headers: dict[str, str], first: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    message, asked = first, 0
    while message["type"] == "question":
        asked += 1
        response = client.post(
            f"/api/v1/interviews/{first['interview_id']}/answers",
            json={"type": "answer", "id": message["id"], "unknown": True},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        message = response.json()
        assert asked <= 40
    return message, asked


def test_interview_runs_to_a_result(client: TestClient, login: Login) -> None:
    headers = login("asker")
    started = client.post(
        "/api/v1/interviews",
        json={"lang": "zh", "age": 40, "sex": "M", "message": "咳嗽发烧三天", "max_questions": 5},
        headers=headers,
    )
    assert started.status_code == 201, started.text
    first = started.json()
    assert first["type"] == "question"
    assert first["text"]
    result, asked = _answer_all_unknown(client, headers, first)
    assert result["type"] == "result"
    assert asked <= 5
    assert result["triage"]["level"] in {
        "emergency_ambulance",
        "emergency",
        "urgent",
        "routine",
        "self_care",
    }
    stored = client.get(f"/api/v1/interviews/{first['interview_id']}", headers=headers).json()
    assert stored["status"] == "finished"
    assert len(stored["transcript"]) == asked + 1
    # A finished interview takes no more answers.
    again = client.post(
        f"/api/v1/interviews/{first['interview_id']}/answers",
        json={"type": "finish"},
        headers=headers,
    )
    assert again.status_code == 409


def test_replay_gives_the_same_questions(
    client: TestClient, login: Login, platform: Platform
) -> None:
    headers = login("replayer")
    body = {"lang": "en", "age": 30, "sex": "F", "message": "I have a sore throat and fever"}
    first = client.post("/api/v1/interviews", json=body, headers=headers).json()
    answer = {"type": "answer", "id": first["id"], "present": True}
    cached = client.post(
        f"/api/v1/interviews/{first['interview_id']}/answers", json=answer, headers=headers
    ).json()

    second = client.post("/api/v1/interviews", json=body, headers=headers).json()
    assert second["id"] == first["id"]
    platform.interview_sessions._items.clear()  # as if another worker took the request
    replayed = client.post(
        f"/api/v1/interviews/{second['interview_id']}/answers", json=answer, headers=headers
    ).json()
    assert {k: v for k, v in replayed.items() if k != "interview_id"} == {
        k: v for k, v in cached.items() if k != "interview_id"
    }


def test_bad_messages_are_problems_and_change_nothing(client: TestClient, login: Login) -> None:
    headers = login("careless")
    bad_start = client.post("/api/v1/interviews", json={"age": "old"}, headers=headers)
    assert bad_start.status_code == 422
    assert bad_start.headers["content-type"].startswith("application/problem+json")
    first = client.post("/api/v1/interviews", json={"lang": "en"}, headers=headers).json()
    iid = first["interview_id"]
    bad = client.post(
        f"/api/v1/interviews/{iid}/answers",
        json={"type": "answer", "id": first.get("id"), "present": True, "unknown": True},
        headers=headers,
    )
    assert bad.status_code == 422
    stored = client.get(f"/api/v1/interviews/{iid}", headers=headers).json()
    assert len(stored["transcript"]) == 1


def test_another_persons_interview_is_404(client: TestClient, login: Login) -> None:
    owner, other = login("owner1"), login("other1")
    iid = client.post("/api/v1/interviews", json={"lang": "en"}, headers=owner).json()[
        "interview_id"
    ]
    assert client.get(f"/api/v1/interviews/{iid}", headers=other).status_code == 404
    assert (
        client.post(
            f"/api/v1/interviews/{iid}/answers", json={"type": "finish"}, headers=other
        ).status_code
        == 404
    )


def test_interviews_are_exported(client: TestClient, login: Login) -> None:
    headers = login("exporter")
    client.post("/api/v1/interviews", json={"lang": "en", "message": "headache"}, headers=headers)
    bundle = client.get("/api/v1/me/export", headers=headers).json()
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    assert len(responses) == 1
    assert responses[0]["status"] == "in-progress"
    assert "headache" in responses[0]["item"][0]["answer"][0]["valueString"]
