"""The evaluation sets are well formed: enough questions, and every label is a real passage id."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from aegle.evidence.ingest import guess_lang
from aegle.evidence.library import builtin_library

QUESTIONS = Path(__file__).resolve().parent / "data" / "questions.jsonl"


def _rows() -> list[dict[str, object]]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_question_set_sizes_and_languages() -> None:
    rows = _rows()
    kinds = Counter(str(r["expect"]) for r in rows)
    assert set(kinds) == {"answer", "abstain"}
    assert kinds["answer"] >= 300
    assert kinds["abstain"] >= 50
    assert len({str(r["question"]) for r in rows}) == len(rows), "duplicate questions"
    written = Counter(guess_lang(str(r["question"])) for r in rows if r["expect"] == "answer")
    assert written["zh-CN"] >= 100
    assert written["en"] >= 100


def test_every_label_is_a_passage_of_the_builtin_corpus() -> None:
    library = builtin_library()
    for row in _rows():
        if row["expect"] == "abstain":
            assert "passages" not in row
            continue
        passages = row["passages"]
        assert isinstance(passages, list)
        assert passages, row["question"]
        for pid in passages:
            assert pid in library.passages, (row["question"], pid)
        topics = {library.documents[library.passages[p].doc_id].meta.topic for p in passages}
        assert topics == set(row["topic"]), row["question"]  # type: ignore[call-overload]


def test_most_questions_can_be_scored_across_languages() -> None:
    """A label set covers the question's own language and the other one (parallel pages)."""
    library = builtin_library()
    both = 0
    answerable = [r for r in _rows() if r["expect"] == "answer"]
    for row in answerable:
        langs = {library.passages[str(p)].lang for p in row["passages"]}  # type: ignore[attr-defined]
        both += langs == {"en", "zh-CN"}
    assert both >= 0.95 * len(answerable)


def test_every_glossary_file_loads_strictly_with_provenance() -> None:
    """The engine reads every knowledge/glossary*.yaml; each names its source, and no file lists
    a Chinese name twice."""
    from aegle.evidence.glossary import KNOWLEDGE, load_glossary_file

    files = sorted(KNOWLEDGE.glob("glossary*.yaml"))
    assert len(files) >= 2
    for path in files:
        glossary = load_glossary_file(path)
        assert glossary.source.publisher, path.name
        zh = [w for t in glossary.terms for w in t.zh]
        assert len(zh) == len(set(zh)), f"{path.name}: a Chinese name listed twice"


def test_hand_checked_samples_are_marked_quotations_of_their_cited_passages() -> None:
    """Every sentence of a hand-checked citation sample is marked by a reader and is a verbatim
    quotation of the passage it cites, and each sample draws 25 distinct set questions."""
    from aegle.evidence.verify import is_quotation

    library = builtin_library()
    asked = {str(r["question"]) for r in _rows() if r["expect"] == "answer"}
    samples = sorted(QUESTIONS.parent.glob("citation_sample*.json"))
    assert len(samples) >= 2
    for path in samples:
        rows = json.loads(path.read_text(encoding="utf-8"))
        assert len({r["question"] for r in rows}) == len(rows) == 25, path.name
        for row in rows:
            assert row["question"] in asked, row["question"]
            assert isinstance(row["answers_the_question"], bool)
            for sentence in row["sentences"]:
                assert isinstance(sentence["on_point"], bool)
                cited = [library.passages[c].text for c in sentence["citations"]]
                assert is_quotation(sentence["text"], cited), sentence["text"]
