"""The passage-vector cache: vectors are kept on disk keyed by passage-text hash and model, so
re-ingesting a corpus embeds only passages whose text is new."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aegle.evidence.dense import DenseIndex, Vector


class CountingEmbedder:
    """An in-memory embedder: a text's vector is a function of its characters."""

    def __init__(self, name: str = "fake-a") -> None:
        self.name = name
        self.embedded: list[str] = []

    def embed_query(self, text: str) -> Vector:
        return self._vector(text)

    def embed_passages(self, texts: list[str]) -> Vector:
        self.embedded.extend(texts)
        return np.stack([self._vector(t) for t in texts])

    def _vector(self, text: str) -> Vector:
        v = np.zeros(8, dtype=np.float32)
        for i, ch in enumerate(text):
            v[(ord(ch) + i) % 8] += 1.0
        out: Vector = v / max(float(np.linalg.norm(v)), 1e-6)
        return out


def test_reingestion_embeds_only_new_or_changed_passages(tmp_path: Path) -> None:
    cache = tmp_path / "vectors-fake-a.npz"
    first = CountingEmbedder()
    index = DenseIndex(first, ["salt and blood pressure", "statins", "流感疫苗"], cache)
    assert index.embedded_now == 3
    assert cache.exists()
    again = CountingEmbedder()
    changed = ["salt and blood pressure", "statins and muscle aches", "流感疫苗"]
    reloaded = DenseIndex(again, changed, cache)
    assert again.embedded == ["statins and muscle aches"]
    assert np.array_equal(reloaded.matrix[0], index.matrix[0])
    assert np.array_equal(reloaded.matrix[1], again.embed_query("statins and muscle aches"))


def test_another_model_or_a_damaged_file_is_never_trusted(tmp_path: Path) -> None:
    cache = tmp_path / "vectors.npz"
    DenseIndex(CountingEmbedder("fake-a"), ["statins"], cache)
    other = CountingEmbedder("fake-b")
    DenseIndex(other, ["statins"], cache)
    assert other.embedded == ["statins"]
    cache.write_bytes(b"not an npz file")
    fresh = CountingEmbedder("fake-b")
    DenseIndex(fresh, ["statins"], cache)
    assert fresh.embedded == ["statins"]
