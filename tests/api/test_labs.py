"""POST/GET /api/v1/labs/...: uploads as file or text, duplicates, trends, export, and every kind
of bad input answered as problem+json in the caller's language with nothing stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from aegle.bootstrap import Platform
from aegle.core.types import Role
from aegle.store.labs import LabReportRecord, LabResultRecord
from tests.api.conftest import Login
from tests.labs.pdfmaker import make_pdf
from tests.labs.photomaker import render_photo

URL = "/api/v1/labs/reports"
REPORT = """性别: 男  年龄: 52岁   采样时间: 2026-01-05
谷丙转氨酶 88 ↑ U/L 9-50
肌酐 150 ↑ μmol/L 57-111
血红蛋白 142 g/L 130-175
钾 6.9 mmol/L 3.5-5.3
"""
EN_REPORT = """Collected: 2026-02-01
Haemoglobin 101 L g/L 130-175
Platelets 250 10^9/L 125-350
"""


def _stored(platform: Platform) -> tuple[int, int]:
    with platform.unit_of_work() as s:
        session = s.gate.session
        reports = session.scalar(select(func.count()).select_from(LabReportRecord)) or 0
        results = session.scalar(select(func.count()).select_from(LabResultRecord)) or 0
    return reports, results


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    return body


def test_text_upload_read_back_and_duplicate(client: TestClient, login: Login) -> None:
    headers = login("ming")
    response = client.post(URL, json={"text": REPORT}, headers=headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["duplicate"] is False
    assert body["kind"] == "text"
    assert (body["effective_date"], body["effective_source"]) == ("2026-01-05", "printed")
    names = [item["name"] for item in body["items"]]
    assert names == ["谷丙转氨酶", "肌酐", "血红蛋白", "钾"]
    alt = body["items"][0]
    assert alt["loinc"] == "1742-6"
    assert alt["flag"] == "H"
    assert alt["reference_range"] == {"low": 9.0, "high": 50.0, "text": "9-50", "origin": "printed"}
    interpretation = body["interpretation"]
    assert interpretation["triage"] in {"emergency", "emergency_ambulance", "urgent"}
    assert interpretation["critical_advice"]
    rows = {r["name"]: r for r in interpretation["results"]}
    assert rows["钾"]["critical"] is True
    assert rows["血红蛋白"]["abnormal"] is False
    assert interpretation["egfr"] is not None  # sex and age printed: CKD-EPI 2021
    assert body["critical_count"] == 1

    listed = client.get(URL, headers=headers).json()
    assert [r["id"] for r in listed] == [body["id"]]
    again = client.get(f"{URL}/{body['id']}", headers=headers)
    assert again.status_code == 200
    assert again.json()["items"] == body["items"]

    duplicate = client.post(URL, json={"text": REPORT}, headers=headers)
    assert duplicate.status_code == 200
    assert duplicate.json()["duplicate"] is True
    assert duplicate.json()["id"] == body["id"]
    assert len(client.get(URL, headers=headers).json()) == 1


def test_interpretation_follows_the_callers_language(client: TestClient, login: Login) -> None:
    headers = login("lang")
    zh = client.post(URL, json={"text": EN_REPORT}, headers={**headers, "Accept-Language": "zh-CN"})
    en = client.get(f"{URL}/{zh.json()['id']}?lang=en", headers=headers)
    assert "项结果" in zh.json()["interpretation"]["summary"]
    assert "results read" in en.json()["interpretation"]["summary"]


def test_multipart_files_pdf_and_options(client: TestClient, login: Login) -> None:
    headers = login("files")
    text = client.post(
        URL,
        files={"file": ("report.txt", REPORT.encode("gb18030"), "text/plain")},
        data={"effective_date": "2025-12-01", "sex": "M", "age": "52"},
        headers=headers,
    )
    assert text.status_code == 201, text.text
    assert (text.json()["effective_date"], text.json()["effective_source"]) == (
        "2025-12-01",
        "given",
    )
    assert text.json()["file_name"] == "report.txt"
    pdf = make_pdf([EN_REPORT.splitlines(), ["Glucose 5.1 mmol/L 3.9-6.1"]])
    response = client.post(URL, files={"file": ("a.pdf", pdf, "application/pdf")}, headers=headers)
    assert response.status_code == 201, response.text
    assert (response.json()["kind"], response.json()["pages"]) == ("pdf", 2)
    assert len(response.json()["items"]) == 3


def test_phone_photo(client: TestClient, login: Login) -> None:
    """A small rendered photo (the real CBC photos are read in tests/labs and the bench)."""
    photo = render_photo(REPORT.splitlines())
    response = client.post(
        URL, files={"file": ("report.jpg", photo, "image/jpeg")}, headers=login("photo")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "image"
    assert [item["name"] for item in body["items"]] == ["谷丙转氨酶", "肌酐", "血红蛋白", "钾"]
    assert body["items"][0]["flag"] == "H"
    assert body["effective_date"] == "2026-01-05"


def test_trend_across_reports(client: TestClient, login: Login) -> None:
    headers = login("trend")
    client.post(URL, json={"text": REPORT}, headers=headers)
    later = REPORT.replace("2026-01-05", "2026-02-05").replace("谷丙转氨酶 88 ↑", "谷丙转氨酶 40")
    client.post(URL, json={"text": later}, headers=headers)
    response = client.get("/api/v1/labs/tests/1742-6/trend", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["value"] for p in body["points"]] == [88.0, 40.0]
    assert [p["date"] for p in body["points"]] == ["2026-01-05", "2026-02-05"]
    trend = body["trend"]
    assert trend["direction"] == "down"
    assert trend["crossed_limit"] is True
    assert trend["change"] == pytest.approx(-48)
    # ALT's reference change value is 60.1 % (CVI 19.4 %): a 54.5 % fall is within it.
    assert trend["rcv_percent"] == pytest.approx(60.1)
    assert trend["last_change_percent"] == pytest.approx(-54.5, abs=0.1)
    assert trend["meaningful"] is False
    creatinine = client.get("/api/v1/labs/tests/2160-0/trend", headers=headers).json()["trend"]
    assert creatinine["rcv_percent"] == pytest.approx(18.4)
    assert creatinine["meaningful"] is False  # 150 -> 150 umol/L
    by_id = {h["test"]["id"]: h for h in client.get("/api/v1/labs/trends", headers=headers).json()}
    assert by_id[body["test"]["id"]]["trend"]["direction"] == "down"
    assert _problem(
        client.get("/api/v1/labs/tests/no_such_test/trend", headers=headers), 404, "not_found"
    )


def test_reports_are_private_and_exported(client: TestClient, login: Login) -> None:
    owner, other = login("owner"), login("other")
    report_id = client.post(URL, json={"text": REPORT}, headers=owner).json()["id"]
    _problem(client.get(f"{URL}/{report_id}", headers=other), 404, "not_found")
    _problem(client.delete(f"{URL}/{report_id}", headers=other), 404, "not_found")
    _problem(client.get(URL), 401, "authentication_required")
    _problem(client.post(URL, json={"text": REPORT}), 401, "authentication_required")
    bundle = client.get("/api/v1/me/export", headers=owner).json()
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("DiagnosticReport") == 1
    assert client.delete(f"{URL}/{report_id}", headers=owner).status_code == 204
    assert client.get(URL, headers=owner).json() == []


BOMB = io.BytesIO()
Image.new("1", (12000, 12000)).save(BOMB, format="PNG")
BLANK = io.BytesIO()
Image.new("RGB", (800, 600), "white").save(BLANK, format="PNG")


@pytest.mark.parametrize(
    ("content", "status", "code", "zh_detail"),
    [
        (b"PK\x03\x04" + b"\x00" * 200, 415, "lab_report_unsupported_type", "不支持"),
        (make_pdf([["x"]], encrypt_dict=True), 422, "lab_report_encrypted", "密码"),
        (b"%PDF-1.4\n" + b"garbage" * 50, 422, "lab_report_corrupt", "损坏"),
        (b"\x89PNG\r\n\x1a\n" + b"broken", 422, "lab_report_corrupt", "损坏"),
        (BOMB.getvalue(), 413, "lab_report_image_too_large", "像素"),
        (BLANK.getvalue(), 422, "lab_report_no_text", "没有"),
        (
            "Гемоглобин повышен, анализ крови".encode(),
            422,
            "lab_report_unsupported_language",
            "中文",
        ),
        (b"Dear patient, see you on Monday.", 422, "lab_report_no_results", "没有识别"),
    ],
)
def test_bad_files_are_refused_clearly_and_store_nothing(
    client: TestClient,
    login: Login,
    platform: Platform,
    content: bytes,
    status: int,
    code: str,
    zh_detail: str,
) -> None:
    headers = {**login("bad"), "Accept-Language": "zh-CN"}
    response = client.post(URL, files={"file": ("x.bin", content)}, headers=headers)
    body = _problem(response, status, code)
    assert zh_detail in body["detail"]
    assert _stored(platform) == (0, 0)
    english = client.post(
        URL, files={"file": ("x.bin", content)}, headers={**headers, "Accept-Language": "en"}
    )
    assert _problem(english, status, code)["detail"].isascii()


def test_oversized_and_malformed_requests(
    client: TestClient, login: Login, platform: Platform
) -> None:
    headers = {**login("big"), "Accept-Language": "zh-CN"}
    huge = b"a" * (50 * 1024 * 1024)
    body = _problem(
        client.post(URL, files={"file": ("big.txt", huge)}, headers=headers),
        413,
        "payload_too_large",
    )
    assert body["title"] != "The request is too large"  # translated
    assert body["detail"] == "文件太大（最多 20 MB）"  # the limit, in the person's language
    english = client.post(
        URL, files={"file": ("big.txt", huge)}, headers={**headers, "Accept-Language": "en"}
    )
    assert _problem(english, 413, "payload_too_large")["detail"] == (
        "The file is too large (20 MB at most)"
    )
    _problem(client.post(URL, content=b"text", headers=headers), 415, "unsupported_media_type")
    _problem(
        client.post(URL, files={"other": ("a.txt", b"x")}, headers=headers),
        422,
        "invalid_input",
    )
    _problem(
        client.post(URL, json={"text": REPORT, "effective_date": "2999-01-01"}, headers=headers),
        422,
        "invalid_input",
    )
    _problem(client.post(URL, json={"text": ""}, headers=headers), 422, "invalid_input")
    malformed = {**headers, "Content-Type": "application/json"}
    _problem(client.post(URL, content=b'{"text": ', headers=malformed), 400, "bad_request")
    _problem(
        client.post(URL, json={"text": REPORT, "sex": "X"}, headers=headers), 422, "invalid_input"
    )
    assert _stored(platform) == (0, 0)


def test_a_doctor_reads_a_patients_reports_only_with_a_grant(
    client: TestClient, login: Login
) -> None:
    patient = login("patient.lab")
    doctor = login("dr.lab", Role.DOCTOR)
    report_id = client.post(URL, json={"text": REPORT}, headers=patient).json()["id"]
    patient_id = client.get("/api/v1/me", headers=patient).json()["id"]
    listing = f"/api/v1/patients/{patient_id}/labs/reports"
    _problem(client.get(listing, headers=doctor), 404, "not_found")
    _problem(client.get(f"{listing}/{report_id}", headers=doctor), 404, "not_found")
    granted = client.post(
        "/api/v1/care-grants", json={"doctor_username": "dr.lab", "kind": "care"}, headers=patient
    )
    assert granted.status_code == 201, granted.text
    assert [r["id"] for r in client.get(listing, headers=doctor).json()] == [report_id]
    one = client.get(f"{listing}/{report_id}?lang=en", headers=doctor)
    assert one.status_code == 200
    assert "results read" in one.json()["interpretation"]["summary"]
