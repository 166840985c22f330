"""The built-in corpus loads strictly, carries provenance, and pairs zh and en pages."""

from __future__ import annotations

from collections import defaultdict

from aegle.evidence.glossary import KNOWLEDGE, load_glossary_file
from aegle.evidence.ingest import load_path
from aegle.evidence.library import BUILTIN_CORPUS, builtin_library


def test_every_page_loads_with_provenance_and_our_licence() -> None:
    library = builtin_library()
    assert len(library.documents) >= 100
    for doc in library.documents.values():
        meta = doc.meta
        assert meta.sources, meta.id
        assert meta.licence == "CC-BY-4.0"
        assert meta.kind != "user"
        assert meta.topic
        for source in meta.sources:
            assert source.publisher
            assert source.edition
            assert source.section
        assert meta.id.endswith("-zh" if meta.lang == "zh-CN" else "-en")


def test_topics_exist_in_both_languages() -> None:
    langs: dict[str, set[str]] = defaultdict(set)
    for doc in builtin_library().documents.values():
        assert doc.meta.topic is not None
        langs[doc.meta.topic].add(doc.meta.lang)
    assert {t for t, ls in langs.items() if ls != {"zh-CN", "en"}} == set()


def test_passage_ids_are_stable_across_ingestions() -> None:
    for path in sorted(BUILTIN_CORPUS.rglob("*.md"))[:10]:
        if path.name == "README.md":
            continue
        first = [p.id for p in load_path(path).passages]
        assert first == [p.id for p in load_path(path).passages]
        assert len(set(first)) == len(first)


def test_glossary_loads_strictly_with_a_source() -> None:
    for path in KNOWLEDGE.glob("glossary*.yaml"):
        glossary = load_glossary_file(path)
        assert glossary.source.publisher
        assert len(glossary.terms) > 50
