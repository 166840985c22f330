"""The API end to end: register, log in, converse, isolation, grants, export, erase."""

from __future__ import annotations

from fastapi.testclient import TestClient

from aegle.core.types import Role
from tests.api.conftest import Login


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/api/v1/conversations/{conversation_id}/messages" in spec["paths"]


def test_register_login_and_chat_in_chinese(client: TestClient) -> None:
    created = client.post("/api/v1/auth/register", json={"username": "li", "password": "mima12345"})
    assert created.status_code == 201
    assert created.json()["role"] == "patient"
    token = client.post("/api/v1/auth/login", json={"username": "li", "password": "mima12345"})
    assert token.json()["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

    conversation = client.post("/api/v1/conversations", json={}, headers=headers)
    assert conversation.status_code == 201
    cid = conversation.json()["id"]
    sent = client.post(
        f"/api/v1/conversations/{cid}/messages",
        json={"text": "你好", "lang": "zh"},
        headers=headers,
    )
    assert sent.status_code == 200, sent.text
    reply = sent.json()["reply"]
    assert set(reply) >= {"text", "cards", "actions"}
    assert reply["text"]

    stored = client.get(f"/api/v1/conversations/{cid}", headers=headers).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert stored["messages"][0]["text"] == "你好"


def test_other_persons_conversation_is_404(client: TestClient, login: Login) -> None:
    alice, bob = login("alice"), login("bob")
    cid = client.post("/api/v1/conversations", json={}, headers=alice).json()["id"]
    for response in (
        client.get(f"/api/v1/conversations/{cid}", headers=bob),
        client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "hi"}, headers=bob),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/conversations/{cid}", headers=alice).status_code == 200


def test_doctor_reads_only_with_grant(client: TestClient, login: Login) -> None:
    patient, doctor = login("pat"), login("drwang", Role.DOCTOR)
    me = client.get("/api/v1/me", headers=patient).json()
    cid = client.post("/api/v1/conversations", json={}, headers=patient).json()["id"]
    assert client.get(f"/api/v1/conversations/{cid}", headers=doctor).status_code == 404
    assert (
        client.get(f"/api/v1/patients/{me['id']}/conversations", headers=doctor).status_code == 404
    )
    grant = client.post("/api/v1/care-grants", json={"doctor_username": "drwang"}, headers=patient)
    assert grant.status_code == 201
    assert client.get(f"/api/v1/conversations/{cid}", headers=doctor).status_code == 200
    listed = client.get(f"/api/v1/patients/{me['id']}/conversations", headers=doctor)
    assert [c["id"] for c in listed.json()] == [cid]
    client.delete(f"/api/v1/care-grants/{grant.json()['id']}", headers=patient)
    assert client.get(f"/api/v1/conversations/{cid}", headers=doctor).status_code == 404


def test_only_admins_create_doctors(client: TestClient, login: Login) -> None:
    patient, admin = login("plain"), login("boss", Role.ADMIN)
    body = {"username": "newdoc", "password": "password123", "role": "doctor"}
    assert client.post("/api/v1/admin/users", json=body, headers=patient).status_code == 403
    created = client.post("/api/v1/admin/users", json=body, headers=admin)
    assert created.status_code == 201
    assert created.json()["role"] == "doctor"
    # Self-registration cannot choose a role.
    selfmade = {"username": "sneaky", "password": "password123", "role": "admin"}
    assert client.post("/api/v1/auth/register", json=selfmade).status_code == 422


def test_logout_revokes_the_token(client: TestClient, login: Login) -> None:
    headers = login("leaver")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_export_and_erase(client: TestClient, login: Login) -> None:
    headers = login("gone")
    cid = client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "hello"}, headers=headers)
    exported = client.get("/api/v1/me/export", headers=headers)
    assert exported.headers["content-type"].startswith("application/fhir+json")
    bundle = exported.json()
    assert bundle["resourceType"] == "Bundle"
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} >= {
        "Patient",
        "Communication",
    }
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    again = client.post("/api/v1/auth/login", json={"username": "gone", "password": "password123"})
    assert again.status_code == 401
