"""The lexical index port: SQLite FTS5 (`aegle.store.lexical`) ranks exactly as the numpy
reference (`aegle.evidence.bm25`), keeps its file between runs, rebuilds it when the corpus
changes or the file is damaged, and serves threads at once."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import pytest

from aegle.core.types import LocaleCode, normalize_locale
from aegle.evidence.bm25 import Bm25Index
from aegle.evidence.library import Library, builtin_library
from aegle.evidence.retrieve import Retriever
from aegle.evidence.service import EvidenceService
from aegle.store.lexical import Fts5Index, corpus_key

QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.jsonl"


@lru_cache(maxsize=1)
def questions() -> list[tuple[str, LocaleCode]]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    return [(str(r["question"]), normalize_locale(str(r["lang"]))) for r in rows]


@lru_cache(maxsize=4)
def retriever(lang: str | None = None) -> Retriever:
    """The built-in corpus, or only its pages in `lang` (for cross-lingual questions)."""
    docs = builtin_library().documents.values()
    return Retriever(Library(d for d in docs if lang is None or d.meta.lang == lang))


@lru_cache(maxsize=4)
def queries(pages: str | None = None, asked: str | None = None) -> list[list[str]]:
    """The question set's expanded queries (asked in `asked`, for an index of `pages`)."""
    r = retriever(pages)
    return [r.parse(q).expanded for q, lang in questions() if asked is None or lang == asked]


def _assert_same_ranking(docs: list[list[str]], queries: list[list[str]], k: int) -> None:
    reference = Bm25Index(docs)
    fts = Fts5Index(docs)
    assert fts.size == reference.size
    assert fts.max_idf == reference.max_idf
    assert fts.idf == reference.idf
    for query in queries:
        assert fts.top(query, k) == reference.top(query, k), query


@pytest.mark.parametrize(("k", "every"), [(10, 1), (50, 1), (200, 4)])
def test_fts5_ranks_every_question_set_query_exactly_as_the_reference(k: int, every: int) -> None:
    """The 534 questions (zh and en, expanded across languages by the glossary) on the built-in
    corpus: the same passages, in the same order, with the same float32 scores."""
    asked = queries()[::every]
    assert len(asked) > 130
    _assert_same_ranking(retriever().tokens, asked, k)


def test_fts5_ranks_cross_lingual_questions_exactly_as_the_reference() -> None:
    """Chinese questions against the English pages only, and the reverse."""
    for pages, asked in (("en", "zh-CN"), ("zh-CN", "en")):
        cross = queries(pages, asked)
        assert len(cross) > 150
        _assert_same_ranking(retriever(pages).tokens, cross, 50)


def test_fts5_keeps_tokens_whole_and_quotes_query_terms() -> None:
    """FTS5 splits on spaces only: hyphens, apostrophes, quotes and symbols stay in a token."""
    docs = [["covid-19", "fever"], ["covid", "19"], ["don't", 'say"x', "μg/l"], []]
    fts = Fts5Index(docs)
    assert [i for i, _ in fts.top(["covid-19"], 5)] == [0]
    assert [i for i, _ in fts.top(["19"], 5)] == [1]
    assert [i for i, _ in fts.top(['say"x'], 5)] == [2]
    assert [i for i, _ in fts.top(["μg/l", "don't"], 5)] == [2]
    assert fts.top(["covid-19 OR 19"], 5) == []  # one quoted term, never FTS5 syntax
    assert fts.top([], 5) == fts.top(["unknown"], 5) == []
    _assert_same_ranking(docs, [["covid-19", "19", "fever"], ["fever", "fever"]], 3)


def test_ties_are_ranked_by_passage_order_in_both_indexes() -> None:
    docs = [["b"], ["a"], ["a"], ["c"], ["a"]]
    expected = [1, 2, 4]
    assert [i for i, _ in Bm25Index(docs).top(["a"], 3)] == expected
    assert [i for i, _ in Fts5Index(docs).top(["a"], 3)] == expected
    assert [i for i, _ in Fts5Index(docs).top(["a"], 2)] == [1, 2]


def test_tiny_corpora_with_mostly_empty_passages_rank_exactly() -> None:
    """Below one token per passage on average the length normalisations differ (ours is
    floored at 1): FTS5 then rescores every matching passage."""
    docs = [[], [], [], ["a", "b"], ["a"], []]
    _assert_same_ranking(docs, [["a"], ["b", "a", "a"], ["z"]], 3)
    _assert_same_ranking([], [["a"]], 3)


def test_the_index_file_is_reused_and_rebuilt_when_the_corpus_changes(tmp_path: Path) -> None:
    docs = [["fever", "cough"], ["rash"]]
    first = Fts5Index(docs, directory=tmp_path)
    assert first.built_now
    again = Fts5Index(docs, directory=tmp_path)
    assert not again.built_now
    assert again.path == first.path
    assert again.top(["rash"], 2) == first.top(["rash"], 2)

    changed = Fts5Index([*docs, ["rash", "itch"]], directory=tmp_path)
    assert changed.built_now
    assert changed.path != first.path
    assert [p.name for p in tmp_path.glob("lexical-*.sqlite")] == [changed.path.name]
    assert [i for i, _ in changed.top(["itch"], 3)] == [2]
    # A reader opened before the rebuild keeps its own copy of the older corpus.
    assert [i for i, _ in first.top(["rash"], 3)] == [1]


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"not a database at all" * 100),
        lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3]),
        lambda path: path.write_bytes(b""),
    ],
    ids=["garbage", "truncated", "empty"],
)
def test_a_damaged_index_file_is_rebuilt(tmp_path: Path, damage: object) -> None:
    docs = [["fever", "cough"], ["rash"], ["fever"]]
    path = Fts5Index(docs, directory=tmp_path).path
    damage(path)  # type: ignore[operator]
    rebuilt = Fts5Index(docs, directory=tmp_path)
    assert rebuilt.built_now
    assert rebuilt.top(["fever"], 3) == Bm25Index(docs).top(["fever"], 3)


def test_a_foreign_database_under_the_index_name_is_rebuilt(tmp_path: Path) -> None:
    docs = [["fever", "cough"], ["rash"]]
    path = tmp_path / f"lexical-{corpus_key(docs)}.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('schema', '1'), ('key', 'someone else')")
    conn.commit()
    conn.close()
    index = Fts5Index(docs, directory=tmp_path)
    assert index.built_now
    assert [i for i, _ in index.top(["rash"], 2)] == [1]


def test_threads_read_the_index_at_once(tmp_path: Path) -> None:
    r = retriever()
    fts = Fts5Index(r.tokens, directory=tmp_path)
    asked = queries()[:120]
    expected = [fts.top(q, 20) for q in asked]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda q: fts.top(q, 20), asked * 3))
    assert got == expected * 3


def test_the_retriever_searches_the_same_through_either_index() -> None:
    r = retriever()
    fts = Retriever(r.library, lexical=Fts5Index)
    for question, lang in questions()[::25]:
        expected = [(h.passage.id, h.score) for h in r.search(question, lang=lang, k=10)]
        assert [(h.passage.id, h.score) for h in fts.search(question, lang=lang, k=10)] == expected


def test_the_evidence_service_ranks_with_the_lexical_index_it_is_given() -> None:
    built: list[Fts5Index] = []

    def fts5(docs: list[list[str]]) -> Fts5Index:
        built.append(Fts5Index(docs))
        return built[-1]

    service = EvidenceService(lexical=fts5)
    found = [r.id for r in service.search("高血压怎么治疗", limit=5)]
    assert len(built) == 1
    assert service.answerer.retriever.bm25 is built[0]
    assert found == [r.id for r in EvidenceService().search("高血压怎么治疗", limit=5)]
