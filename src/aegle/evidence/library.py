"""The corpus in memory: documents, passages by id, duplicate detection, passage context."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from aegle.core.errors import Conflict, NotFound
from aegle.core.i18n import N_
from aegle.evidence.ingest import DocumentError, load_path
from aegle.evidence.model import Document, Passage

BUILTIN_CORPUS = Path(__file__).parent / "corpus"
SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm", ".pdf")


class DuplicateDocument(Conflict):
    """The same text (or the same document id) is already in the corpus."""


class Library:
    def __init__(self, documents: Iterable[Document] = ()) -> None:
        self.documents: dict[str, Document] = {}
        self._fingerprints: dict[str, str] = {}
        self.passages: dict[str, Passage] = {}
        for doc in documents:
            self.add(doc)

    def add(self, doc: Document) -> None:
        if doc.meta.id in self.documents:
            raise DuplicateDocument("Document id already exists", params={"id": doc.meta.id})
        if doc.fingerprint in self._fingerprints:
            raise DuplicateDocument(
                "Same text already in the corpus",
                params={"id": self._fingerprints[doc.fingerprint]},
            )
        self.documents[doc.meta.id] = doc
        self._fingerprints[doc.fingerprint] = doc.meta.id
        for passage in doc.passages:
            self.passages[passage.id] = passage

    def get(self, passage_id: str) -> Passage:
        try:
            return self.passages[passage_id]
        except KeyError:
            raise NotFound(N_("No passage with this id"), params={"id": passage_id}) from None

    def context(self, passage_id: str) -> tuple[Passage, tuple[Passage, ...]]:
        """The passage and every passage of its section, in order (the passage in its context)."""
        passage = self.get(passage_id)
        doc = self.documents[passage.doc_id]
        for section in doc.sections:
            if any(p.id == passage_id for p in section.passages):
                return passage, section.passages
        return passage, (passage,)

    def ingest_dir(self, root: Path, *, user: bool = False) -> list[tuple[Path, str]]:
        """Add every readable document below `root`; returns (path, problem) for those skipped.
        `user` documents are marked as such whatever their front matter says."""
        problems: list[tuple[Path, str]] = []
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() not in SUFFIXES or path.name.lower() == "readme.md":
                continue
            try:
                doc = load_path(path)
                self.add(as_user_document(doc) if user else doc)
            except (DocumentError, DuplicateDocument) as err:
                problems.append((path, str(err)))
        return problems


@lru_cache(maxsize=1)
def builtin_documents() -> tuple[Document, ...]:
    """The built-in corpus, parsed once per process (documents are immutable)."""
    library = Library()
    problems = library.ingest_dir(BUILTIN_CORPUS)
    if problems:  # our own corpus must always load cleanly
        raise DocumentError("Built-in corpus has problems", errors=[{"msg": str(problems)}])
    return tuple(library.documents.values())


def as_user_document(doc: Document) -> Document:
    """A document someone added (`aegle corpus add`) is shown and filtered as a local document
    even if its front matter claims to be built-in first-aid or medicine guidance: what a file
    says about itself does not change how the system treats it."""
    if doc.meta.kind == "user":
        return doc
    sections = tuple(
        section.model_copy(
            update={
                "passages": tuple(p.model_copy(update={"kind": "user"}) for p in section.passages)
            }
        )
        for section in doc.sections
    )
    return doc.model_copy(
        update={"meta": doc.meta.model_copy(update={"kind": "user"}), "sections": sections}
    )


def builtin_library(extra_dirs: Iterable[Path] = ()) -> Library:
    library = Library(builtin_documents())
    for extra in extra_dirs:
        if extra.is_dir():
            library.ingest_dir(extra, user=True)
    return library
