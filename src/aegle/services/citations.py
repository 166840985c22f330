"""One resolver for every citation id a card or an answer carries (docs/evidence.md, "Citable
knowledge entries"): corpus passages through the evidence service, and the knowledge entries
of clinic, labs, vitals and safety through each engine's own entry listing. The API, the CLI
and the web passage page all open citations here."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

from aegle.core.errors import NotFound
from aegle.core.i18n import N_
from aegle.core.types import Citation, KnowledgeEntry, LocaleCode
from aegle.evidence.service import (
    Capability,
    ContextPassage,
    EvidenceService,
    PassageInContext,
    edition_year,
)

# A corpus passage id (`cpr-en#chest-compressions/1`) or a knowledge entry id; anything else is
# malformed (422), an id of the right shape that names nothing is unknown (404).
CORPUS_ID = re.compile(r"[a-z0-9][a-z0-9._-]*#[A-Za-z0-9._-]+/[0-9]+")
KNOWLEDGE_ID = re.compile(r"(?:(?:clinic|vitals|safety):|labs\.)[A-Za-z0-9._:#-]+")
# The licence of a knowledge entry's text where its source records none: our own words, in
# the repository under the project's licence.
KNOWLEDGE_LICENCE = "Apache-2.0"
_PREFIXES: dict[str, Capability] = {
    "clinic": "clinic",
    "labs": "labs",
    "vitals": "vitals",
    "safety": "safety",
}


def is_citation_id(cid: str) -> bool:
    return bool(CORPUS_ID.fullmatch(cid) or KNOWLEDGE_ID.fullmatch(cid))


def capability_of(cid: str) -> Capability:
    if CORPUS_ID.fullmatch(cid):
        return "corpus"
    capability = _PREFIXES.get(cid.split(":", 1)[0] if ":" in cid else cid.split(".", 1)[0])
    if capability is None:
        raise NotFound(N_("No passage with this id"), params={"id": cid[:80]})
    return capability


@cache
def knowledge_entries(capability: Capability) -> Mapping[str, KnowledgeEntry]:
    """The citable entries of one capability's shipped knowledge, listed once per process (the
    knowledge files do not change while it runs). One capability at a time: opening a safety
    citation does not load the clinic's knowledge."""
    # Imported here: loading the knowledge is start-up work, done on the first resolve.
    if capability == "clinic":
        from aegle.clinic.entries import clinic_entries
        from aegle.clinic.knowledge import load_knowledge

        return clinic_entries(load_knowledge())
    if capability == "labs":
        from aegle.labs.catalogue import default_catalogue
        from aegle.labs.entries import labs_entries

        return labs_entries(default_catalogue())
    if capability == "vitals":
        from aegle.vitals.entries import vitals_entries

        return vitals_entries()
    if capability == "safety":
        from aegle.safety.entries import safety_entries
        from aegle.safety.knowledge import load_default
        from aegle.safety.scope import load_scope

        return safety_entries(load_default(), load_scope())
    return {}  # corpus passages are the evidence service's


def default_knowledge_entries() -> Mapping[str, KnowledgeEntry]:
    """Every citable entry of the shipped clinic, labs, vitals and safety knowledge."""
    return {key: e for c in _PREFIXES.values() for key, e in knowledge_entries(c).items()}


class CitationResolver:
    """Resolves a citation id to its passage or knowledge entry in context; NotFound for an
    id that names nothing. Each capability's entries are listed on first use."""

    def __init__(
        self,
        evidence: EvidenceService,
        entries: Callable[[Capability], Mapping[str, KnowledgeEntry]] = knowledge_entries,
    ) -> None:
        self.evidence = evidence
        self._load = entries
        self._groups: dict[Capability, dict[str, list[KnowledgeEntry]]] = {}

    def preload(self) -> None:
        """List every capability's entries now (a preloading server, before it serves)."""
        for capability in _PREFIXES.values():
            self._grouped(capability)

    def _grouped(self, capability: Capability) -> dict[str, list[KnowledgeEntry]]:
        found = self._groups.get(capability)
        if found is None:
            found = {}
            for entry in self._load(capability).values():
                found.setdefault(entry.group, []).append(entry)
            self._groups[capability] = found
        return found

    def resolve(self, cid: str, lang: LocaleCode) -> PassageInContext:
        """The passage or entry `cid` in its context, its text in `lang` (a corpus passage is
        in its own language, given by `lang` of the result)."""
        capability = capability_of(cid)
        if capability == "corpus":
            return self.evidence.passage(cid)
        entry = self._load(capability).get(cid)
        if entry is None:
            raise NotFound(N_("No knowledge entry with this id"), params={"id": cid[:80]})
        siblings = self._grouped(capability)[entry.group]
        at = siblings.index(entry)
        source = entry.source
        return PassageInContext(
            id=entry.id,
            title=entry.title.get(lang),
            source=Citation.from_source(entry.id, source).source,
            passage=entry.text.get(lang),
            section=source.section,
            lang=lang,
            url=source.url,
            licence=entry.licence or KNOWLEDGE_LICENCE,
            doc_id=entry.group,
            capability=capability,
            publisher=source.publisher,
            year=edition_year(entry.sources or (source,)),
            sources=entry.sources or (source,),
            context=tuple(ContextPassage(id=e.id, text=e.text.get(lang)) for e in siblings),
            previous=siblings[at - 1].id if at > 0 else None,
            next=siblings[at + 1].id if at + 1 < len(siblings) else None,
        )
