"""Evidence: cited answers, the clinician's passage search and one passage in its context.

Passage ids look like `stroke-en#recognising-a-stroke/1`: in a URL path the `#` must be sent
percent-encoded (`%23`); the `/` may stay as it is."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from aegle.api.deps import LocaleDep, PlatformDep, TokenDep, authenticated
from aegle.core.errors import InvalidInput
from aegle.core.ports import SafetyAssessment
from aegle.core.types import LocaleCode, normalize_locale
from aegle.evidence.model import DocumentKind
from aegle.evidence.retrieve import MAX_QUERY_CHARS
from aegle.evidence.service import MAX_LIMIT, PassageInContext, SearchResult

router = APIRouter(prefix="/evidence", tags=["evidence"])

# Checked in the handler, not as an OpenAPI pattern: ids contain `#` and `/`, which a path
# parameter's schema cannot promise to generators and clients.
PASSAGE_ID = re.compile(r"[a-z0-9][a-z0-9._-]*#[A-Za-z0-9._-]+/[0-9]+")
PassageIdPath = Annotated[
    str,
    Path(
        max_length=300,
        description="A passage id from an answer or a search, e.g. `cpr-en#chest-compressions/1`"
        " (send `#` as `%23`)",
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
    passage_id: PassageIdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> PassageInContext:
    """The passage in its section, with its neighbours and its source."""
    _signed_in(platform, token, request)
    if not PASSAGE_ID.fullmatch(passage_id):
        raise InvalidInput("Not a passage id", params={"id": passage_id[:80]})
    return platform.evidence.passage(passage_id)
