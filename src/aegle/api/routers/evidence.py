"""Evidence: cited answers, the clinician's passage search and one cited passage or knowledge
entry in its context.

Passage ids look like `stroke-en#recognising-a-stroke/1`, knowledge entry ids like
`safety:emergency.chest_pain_cardiac` or `labs.hgb.interval` (docs/evidence.md): in a URL path
the `#` must be sent percent-encoded (`%23`); the `/` may stay as it is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from aegle.api.deps import LocaleDep, PlatformDep, TokenDep, authenticated
from aegle.core.errors import InvalidInput
from aegle.core.i18n import N_
from aegle.core.ports import SafetyAssessment
from aegle.core.types import LocaleCode, normalize_locale
from aegle.evidence.model import DocumentKind
from aegle.evidence.retrieve import MAX_QUERY_CHARS
from aegle.evidence.service import MAX_LIMIT, PassageInContext, SearchResult
from aegle.services.citations import is_citation_id

router = APIRouter(prefix="/evidence", tags=["evidence"])

# Checked in the handler, not as an OpenAPI pattern: ids contain `#` and `/`, which a path
# parameter's schema cannot promise to generators and clients.
PassageIdPath = Annotated[
    str,
    Path(
        max_length=300,
        description="A citation id from an answer, a chat card or a search: a passage such as "
        "`cpr-en#chest-compressions/1` or a knowledge entry such as `labs.hgb.interval` "
        "(send `#` as `%23`)",
    ),
]


class SearchOut(BaseModel):
    query: str
    results: list[SearchResult]


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    lang: str | None = Field(None, max_length=16, description="zh or en; default: the request's")


class SentenceOut(BaseModel):
    text: str
    citations: list[str]


class AskOut(BaseModel):
    answer: str
    sentences: list[SentenceOut]
    citations: list[dict[str, Any]]
    abstained: bool
    lang: LocaleCode
    safety: SafetyAssessment | None = Field(
        None,
        description="Set when the question describes an emergency or crisis: the answer "
        "then starts with the safety screen's advice (what to do now, whom to call)",
    )


def _signed_in(platform: PlatformDep, token: str, request: Request) -> None:
    with authenticated(platform, token, request):
        pass


@router.get("/search")
def search_evidence(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY_CHARS, description="Query")],
    kind: Annotated[list[DocumentKind] | None, Query(description="Only these kinds")] = None,
    passage_lang: Annotated[
        str | None, Query(max_length=16, description="Only passages in zh or en")
    ] = None,
    since: Annotated[
        int | None, Query(ge=1900, le=2100, description="Sources from this year on")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
) -> SearchOut:
    """Ranked passages with their sources, optionally filtered by kind, language and year."""
    _signed_in(platform, token, request)
    results = platform.evidence.search(
        q,
        lang=locale,
        kinds=kind or (),
        passage_lang=normalize_locale(passage_lang) if passage_lang else None,
        since_year=since,
        limit=limit,
    )
    return SearchOut(query=q, results=results)


@router.post("/ask")
def ask_evidence(
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
    body: Annotated[AskIn, Body()],
) -> AskOut:
    """A cited answer (every sentence a quotation with its passage id), or a clear abstention."""
    _signed_in(platform, token, request)
    lang = normalize_locale(body.lang, locale) if body.lang else locale
    assessment, answer = platform.evidence_answer(body.question, lang)
    return AskOut(
        safety=assessment if assessment.triggered else None,
        answer=answer.answer,
        sentences=[SentenceOut(text=s.text, citations=list(s.citations)) for s in answer.sentences],
        citations=[c.model_dump() for c in answer.citations],
        abstained=answer.abstained,
        lang=answer.lang,
    )


@router.get("/{passage_id:path}")
def get_passage(
    passage_id: PassageIdPath,
    request: Request,
    platform: PlatformDep,
    token: TokenDep,
    locale: LocaleDep,
) -> PassageInContext:
    """The cited passage in its section, or the cited knowledge entry (clinic, labs, vitals,
    safety) among its sibling parts, in the request's language, with its source."""
    _signed_in(platform, token, request)
    if not is_citation_id(passage_id):
        raise InvalidInput(N_("Not a citation id"), params={"id": passage_id[:80]})
    return platform.citations.resolve(passage_id, locale)
