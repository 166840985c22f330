"""One evidence service per process: BM25 from the first request, hybrid once the vectors are
ready (prepared off the request path and cached on disk), shared by chat, API, web and CLI."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from aegle.assistant.model import Classification, TurnContext
from aegle.bootstrap import Platform
from aegle.cli.evidence import app
from aegle.evidence.dense import Vector
from aegle.evidence.service import EvidenceService
from aegle.evidence.text import tokenize
from aegle.settings import Settings

PROTOCOL = (
    "# Falls protocol\n\n## Night checks\n"
    "Nurses check sleeping patients on the falls register every hour at night.\n"
)


class WordEmbedder:
    """In-memory embedder: a normalised bag of hashed index terms. Counts what it embeds and
    can be held back, to show that no request waits for it."""

    name = "fake-words"

    def __init__(self, *, hold: threading.Event | None = None) -> None:
        self.hold = hold
        self.embedded = 0
        self.queries = 0

    def _vector(self, text: str) -> Vector:
        v = np.zeros(64, dtype=np.float32)
        for term in tokenize(text):
            v[int(hashlib.sha256(term.encode()).hexdigest(), 16) % 64] += 1.0
        norm = float(np.linalg.norm(v))
        return v / norm if norm else v

    def embed_query(self, text: str) -> Vector:
        self.queries += 1
        return self._vector(text)

    def embed_passages(self, texts: list[str]) -> Vector:
        if self.hold is not None:
            assert self.hold.wait(30)
        self.embedded += len(texts)
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, 64))


def test_requests_use_bm25_until_the_vectors_are_ready_and_never_wait(tmp_path: Path) -> None:
    release = threading.Event()
    embedder = WordEmbedder(hold=release)
    service = EvidenceService(cache_dir=tmp_path, embedder=embedder)
    worker = service.start_vectors()
    assert worker is not None
    # The vectors are being computed (held back): answers and searches go on, lexically.
    answer = service.answer("What are the warning signs of a stroke?", "en")
    assert not answer.abstained
    assert service.search("stroke warning signs", limit=3)
    assert not service.hybrid
    assert embedder.queries == 0
    release.set()
    worker.join(30)
    assert service.hybrid
    assert service.vector_error is None
    passages = len(service.library.passages)
    assert embedder.embedded > passages  # every passage, then every sentence
    assert not service.answer("What are the warning signs of a stroke?", "en").abstained
    assert embedder.queries == 1  # one question embedding serves ranking and sentences
    hits = service.answerer.retriever.search("stroke warning signs", k=5)
    assert any(h.dense_rank is not None for h in hits)


def test_vectors_are_cached_by_text_and_model_so_a_restart_embeds_nothing(tmp_path: Path) -> None:
    first = EvidenceService(cache_dir=tmp_path, embedder=WordEmbedder())
    assert first.index_vectors() > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sentences-fake-words.npz",
        "vectors-fake-words.npz",
    ]
    again = WordEmbedder()
    second = EvidenceService(cache_dir=tmp_path, embedder=again)
    assert second.index_vectors() == 0
    assert again.embedded == 0
    assert second.hybrid
    assert second.index_vectors() == 0  # attached once


def test_a_failing_embedder_leaves_the_service_on_bm25(tmp_path: Path) -> None:
    class Broken(WordEmbedder):
        def embed_passages(self, texts: list[str]) -> Vector:
            raise RuntimeError("model file damaged")

    service = EvidenceService(cache_dir=tmp_path, embedder=Broken())
    worker = service.start_vectors()
    assert worker is not None
    worker.join(30)
    assert not service.hybrid
    assert service.vector_error == "RuntimeError: model file damaged"
    assert not service.answer("What are the warning signs of a stroke?", "en").abstained


def test_the_chat_answers_from_the_platforms_service_with_added_documents(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "evidence"
    monkeypatch.setenv("AEGLE_EVIDENCE_DIR", str(home))
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "falls.md").write_text(PROTOCOL, encoding="utf-8")
    platform = Platform(settings)
    skill = platform.responder.skills["evidence"]  # type: ignore[attr-defined]
    assert skill.evidence is platform.evidence
    reply = skill.respond(
        TurnContext(text="How often do nurses check patients on the falls register?", locale="en"),
        Classification(intent="evidence"),
    )
    assert reply.cards[0].citations[0].id == "falls#night-checks/1"


def test_a_cold_cli_command_never_embeds_the_corpus_unasked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hybrid is on, but no vectors were prepared (`aegle corpus index`): the command answers
    from BM25 at once and says how to get hybrid ranking."""
    monkeypatch.setenv("AEGLE_EVIDENCE_DIR", str(tmp_path))
    monkeypatch.setenv("AEGLE_EVIDENCE__DENSE", "true")
    out = CliRunner().invoke(app, ["ask", "What is a stroke?", "--lang", "en", "--json"])
    assert out.exit_code == 0
    assert json.loads(out.stdout)["abstained"] is False
    assert "aegle corpus index" in out.stderr
    assert not (tmp_path / "cache").exists()
