"""A consultation inside the chat: the conversation starts an interview for a health complaint,
takes answers (one-tap or typed), stops on request, and safety still comes first."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Login


def _say(
    client: TestClient, headers: dict[str, str], cid: str, text: str, lang: str = "zh"
) -> dict:  # type: ignore[type-arg]
    response = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": text, "lang": lang}, headers=headers
    )
    assert response.status_code == 200, response.text
    reply: dict = response.json()["reply"]  # type: ignore[type-arg]
    return reply


def test_complaint_starts_an_interview_that_ends_in_a_result(
    client: TestClient, login: Login
) -> None:
    headers = login("coughing")
    cid = client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    first = _say(client, headers, cid, "我咳嗽发烧三天了，嗓子也疼")
    assert first["intent"] == "consult"
    labels = [a["label"] for a in first["actions"]]
    assert "不确定" in labels  # one-tap answers
    second = _say(client, headers, cid, labels[0])
    assert second["intent"] == "consult"
    assert second["text"] != first["text"]  # the engine moved on
    result = _say(client, headers, cid, "结束")
    kinds = [card["kind"] for card in result["cards"]]
    assert kinds[0] == "triage"
    assert result["cards"][0]["level"] in {
        "emergency_ambulance",
        "emergency",
        "urgent",
        "routine",
        "self_care",
    }
    assert "disclaimer" in kinds
    # The interview is over: a new complaint starts a new one.
    again = _say(client, headers, cid, "我头疼")
    assert again["intent"] == "consult"
    assert again["cards"] == [] or again["cards"][0]["kind"] != "triage"


def test_safety_interrupts_and_the_interview_continues(client: TestClient, login: Login) -> None:
    headers = login("worried")
    cid = client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    first = _say(client, headers, cid, "I have had a sore throat for two days", lang="en")
    assert first["intent"] == "consult"
    crisis = _say(client, headers, cid, "honestly I want to kill myself", lang="en")
    assert crisis["cards"][0]["kind"] == "safety"
    assert any(action["kind"] == "call" for action in crisis["actions"])
    stored = client.get(f"/api/v1/conversations/{cid}", headers=headers).json()
    assert len(stored["messages"]) == 4


def test_small_talk_does_not_start_an_interview(client: TestClient, login: Login) -> None:
    headers = login("chatty")
    cid = client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    reply = _say(client, headers, cid, "你好")
    assert reply["intent"] == "smalltalk"
    bundle = client.get("/api/v1/me/export", headers=headers).json()
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert "QuestionnaireResponse" not in kinds
