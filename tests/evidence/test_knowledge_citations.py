"""Citable knowledge entries (docs/evidence.md): every citation id a card producer of clinic,
labs, vitals or safety can emit resolves through `GET /api/v1/evidence/{id}`, `aegle evidence
show ID --json` and the web passage page, in both languages; a chat turn's citations open."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aegle.bootstrap import Platform
from aegle.cli.evidence import app as cli
from aegle.clinic.entries import clinic_citation_id
from aegle.clinic.knowledge import load_knowledge
from aegle.core.clock import FrozenClock
from aegle.core.types import KnowledgeEntry, Role
from aegle.evidence.service import Capability, EvidenceService
from aegle.labs import interpret
from aegle.labs.catalogue import default_catalogue
from aegle.labs.entries import RULES, lab_citation_id
from aegle.safety.entries import hotline_citation_id, rule_citation_id, scope_citation_id
from aegle.safety.knowledge import load_default
from aegle.safety.scope import load_scope
from aegle.server import create_app
from aegle.services.citations import CitationResolver, default_knowledge_entries, knowledge_entries
from aegle.vitals.alerts import default_alert_rules
from aegle.vitals.bp import default_bp_knowledge
from aegle.vitals.entries import (
    SUFFICIENCY_ID,
    alert_id,
    bmi_id,
    bp_id,
    cgm_target_id,
    reference_id,
)
from aegle.vitals.references import default_references
from aegle.vitals.targets import default_targets
from aegle.vitals.weight import default_bmi_knowledge
from tests.api.test_health_chat import import_fourteen_days

runner = CliRunner()
LANGS = ("zh-CN", "en")
CJK = re.compile(r"[\u3400-\u9fff]")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSAGE_LINK = re.compile(r'href="/evidence/passages/([^"]+)"')


def _lab_rule_ids() -> set[str]:
    """The interpreter's own rule ids, read from its source: each `_cite_rule("...")`."""
    source = Path(interpret.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'_cite_rule\("([a-z.]+)"\)', source))


def producer_ids() -> dict[str, set[str]]:
    """Every id a producer can emit, built from the loaded knowledge with the producers' own id
    functions (the screen, the scope guard, the interpreter, the consultation, health data)."""
    safety = load_default()
    scope = load_scope()
    kb = load_knowledge()
    catalogue = default_catalogue()
    ids: dict[str, set[str]] = {
        "safety": {
            *(rule_citation_id(r.id, i) for r in safety.rules for i in range(len(r.sources))),
            *(hotline_citation_id(h.id) for h in safety.hotlines),
            *(scope_citation_id(i) for i in range(len(scope.sources))),
        },
        "clinic": {
            *(clinic_citation_id("condition", c) for c in kb.conditions),
            *(clinic_citation_id("advice", a) for a in kb.advice),
            *(clinic_citation_id("red_flag", r.id) for r in kb.red_flags),
        },
        "labs": set(_lab_rule_ids()),
        "vitals": {
            SUFFICIENCY_ID,
            *(cgm_target_id(g.id, t.metric) for g in default_targets().groups for t in g.targets),
            *(alert_id(r.id) for r in default_alert_rules().rules),
            *(reference_id(v.id) for v in default_references().values),
            *(bmi_id(s.id, c.id) for s in default_bmi_knowledge().schemes for c in s.categories),
        },
    }
    for test in catalogue.tests:
        if test.reference_intervals:
            ids["labs"].add(lab_citation_id(test.id, "interval"))
        if test.critical is not None:
            ids["labs"].add(lab_citation_id(test.id, "critical"))
        m = test.meaning
        if m is not None and (m.high or m.low or m.positive):
            ids["labs"].add(lab_citation_id(test.id, "meaning"))
    for scheme in default_bp_knowledge().schemes:
        ids["vitals"].update(bp_id(scheme.id, c.id) for c in scheme.categories)
        if scheme.home_threshold is not None:
            ids["vitals"].add(bp_id(scheme.id, "home_threshold"))
        if scheme.isolated_systolic is not None:
            ids["vitals"].add(bp_id(scheme.id, "isolated_systolic"))
    return ids


def url(cid: str) -> str:
    return "/api/v1/evidence/" + quote(cid, safe="/")


@pytest.fixture
def client(
    platform: Platform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("AEGLE_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv("AEGLE_LLM__PROVIDER", "none")
    with TestClient(create_app(platform=platform), raise_server_exceptions=False) as test_client:
        yield test_client


def _login(client: TestClient, platform: Platform, username: str, role: Role) -> dict[str, str]:
    with platform.unit_of_work() as s:
        s.accounts.register(username=username, password="password123", role=role)
    token = client.post(
        "/api/v1/auth/login", json={"username": username, "password": "password123"}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_listed_entries_are_exactly_what_the_producers_can_cite() -> None:
    ids = producer_ids()
    assert _lab_rule_ids() == set(RULES)  # no rule cited without an entry, none left over
    entries = default_knowledge_entries()
    produced = set().union(*ids.values())
    assert produced == set(entries)
    # Every capability has entries; a loader change that drops a file shows here.
    counts = {kind: len(found) for kind, found in ids.items()}
    assert all(n > 0 for n in counts.values()), counts


def test_entries_are_the_same_in_another_process_and_bilingual() -> None:
    """Ids and texts come from the knowledge files alone: a fresh process lists the same."""
    entries = default_knowledge_entries()
    listing = (
        "import json; from aegle.services.citations import default_knowledge_entries as d; "
        "print(json.dumps({k: [e.text.zh, e.text.en] for k, e in d().items()}))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    out = subprocess.run(
        [sys.executable, "-c", listing], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(out.stdout) == {k: [e.text.zh, e.text.en] for k, e in entries.items()}
    for entry in entries.values():
        assert CJK.search(entry.text.zh), entry.id
        assert not CJK.search(entry.title.en), entry.id


def test_every_producer_id_resolves_through_the_api_in_both_languages(
    client: TestClient, platform: Platform
) -> None:
    headers = _login(client, platform, "reader", Role.PATIENT)
    entries = default_knowledge_entries()
    for kind, ids in producer_ids().items():
        for cid in sorted(ids):
            for lang in LANGS:
                response = client.get(url(cid), params={"lang": lang}, headers=headers)
                assert response.status_code == 200, (cid, lang, response.text)
                shown = response.json()
                assert (shown["id"], shown["capability"], shown["lang"]) == (cid, kind, lang)
                entry = entries[cid]
                assert shown["passage"] == entry.text.get(lang)
                assert shown["title"] == entry.title.get(lang)
                assert shown["section"] == entry.source.section
                assert shown["publisher"] == entry.source.publisher
                assert shown["sources"]
                assert shown["licence"]
                assert cid in [p["id"] for p in shown["context"]]


def test_every_producer_id_resolves_through_the_cli_in_both_languages() -> None:
    for kind, ids in producer_ids().items():
        for cid in sorted(ids):
            for lang in ("zh", "en"):
                out = runner.invoke(cli, ["evidence", "show", cid, "--lang", lang, "--json"])
                assert out.exit_code == 0, (cid, out.output)
                shown = json.loads(out.output)
                assert (shown["id"], shown["capability"]) == (cid, kind)
                assert shown["lang"] == ("zh-CN" if lang == "zh" else "en")
    text = runner.invoke(cli, ["show", "labs.hgb.interval", "--lang", "en"])
    assert text.exit_code == 0
    assert text.output.startswith("Haemoglobin: reference intervals")
    assert "> men, 18 y and over: 130–175 g/L" in text.output


def test_unknown_and_malformed_ids_and_anonymous_requests(
    client: TestClient, platform: Platform
) -> None:
    headers = _login(client, platform, "reader", Role.PATIENT)
    for cid in ("labs.nope.interval", "safety:nope", "vitals:bp.cn2024.grade9", "clinic:x:y"):
        for lang, title in (("zh-CN", "未找到"), ("en", "Not found")):
            missing = client.get(url(cid), params={"lang": lang}, headers=headers)
            assert missing.status_code == 404, cid
            assert missing.headers["content-type"].startswith("application/problem+json")
            assert missing.json()["title"] == title
    assert client.get(url("meds:aspirin"), headers=headers).status_code == 422
    assert client.get(url("labs.hgb.interval")).status_code == 401
    assert runner.invoke(cli, ["show", "labs.nope.interval"]).exit_code == 1
    assert runner.invoke(cli, ["show", "meds:aspirin"]).exit_code == 1
    # Another signed-in role reads the same entries.
    doctor = _login(client, platform, "dr.zhou", Role.DOCTOR)
    assert client.get(url("safety:hotline.cn_120"), headers=doctor).status_code == 200


REPORT = """帮我看看化验单
白细胞计数 WBC 12.5 ×10^9/L 3.5-9.5 ↑
中性粒细胞绝对值 NEUT# 9.1 ×10^9/L 1.8-6.3 ↑
血红蛋白 HGB 98 g/L 130-175 ↓
血小板计数 PLT 210 ×10^9/L 125-350"""


def test_a_chats_safety_lab_and_vitals_citations_all_resolve(
    client: TestClient, platform: Platform, clock: FrozenClock
) -> None:
    headers = _login(client, platform, "sugar", Role.PATIENT)
    cid = client.post("/api/v1/conversations", json={}, headers=headers).json()["id"]
    import_fourteen_days(client, platform, clock, headers, "sugar")

    def say(text: str) -> dict:  # type: ignore[type-arg]
        response = client.post(
            f"/api/v1/conversations/{cid}/messages",
            json={"text": text, "lang": "zh"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        reply: dict = response.json()["reply"]  # type: ignore[type-arg]
        return reply

    cited: dict[str, set[str]] = {}
    for text, intent in (
        ("我胸口剧烈疼痛，出冷汗，喘不上气", None),
        (REPORT, "report"),
        ("我最近血糖控制得怎么样", "health_data"),
    ):
        reply = say(text)
        if intent is not None:
            assert reply["intent"] == intent
        ids = {c["id"] for card in reply["cards"] for c in card["citations"]}
        assert ids, reply
        cited[reply["intent"]] = ids
    kinds = {i.split(":")[0].split(".")[0] for ids in cited.values() for i in ids}
    assert {"safety", "labs", "vitals"} <= kinds, cited
    assert any(i.startswith("vitals:cgm.t1d_t2d_adult.") for i in cited["health_data"])
    assert any(i.startswith("labs.pattern.") for i in cited["report"])
    for ids in cited.values():
        for citation in ids:
            for lang in LANGS:
                response = client.get(url(citation), params={"lang": lang}, headers=headers)
                assert response.status_code == 200, (citation, response.text)
                assert response.json()["id"] == citation


def test_a_chat_safety_card_links_its_citations_to_their_entry_pages(
    client: TestClient, platform: Platform
) -> None:
    with platform.unit_of_work() as services:
        services.accounts.register(username="web.reader", password="correct-horse-42")
    token = CSRF_INPUT.search(client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={"username": "web.reader", "password": "correct-horse-42", "csrf_token": token[1]},
    )
    chat = CSRF_INPUT.search(client.get("/chat").text)
    assert chat
    response = client.post(
        "/chat/new",
        data={"text": "I have crushing chest pain and I am sweating", "csrf_token": chat[1]},
        params={"lang": "en"},
    )
    assert response.status_code == 200
    links = PASSAGE_LINK.findall(response.text)
    assert any(link.startswith("safety") for link in links), response.text
    for link in links:
        page = client.get("/evidence/passages/" + link, params={"lang": "en"})
        assert page.status_code == 200, link
        assert 'class="evidence-context-passage cited"' in page.text
        if link.startswith("safety"):
            assert "Safety rules" in page.text


def test_a_citation_loads_only_its_own_capabilitys_knowledge() -> None:
    """Opening one citation (a cold `aegle evidence show`) lists one capability's entries."""
    loaded: list[str] = []

    def recording(capability: Capability) -> Mapping[str, KnowledgeEntry]:
        loaded.append(capability)
        return knowledge_entries(capability)

    resolver = CitationResolver(EvidenceService(), entries=recording)
    vitals_id = next(iter(knowledge_entries("vitals")))
    assert resolver.resolve(vitals_id, "en").capability == "vitals"
    assert set(loaded) == {"vitals"}
    resolver.preload()
    assert set(loaded) == {"clinic", "labs", "vitals", "safety"}
