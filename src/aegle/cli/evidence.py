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

from aegle.cli.errors import fail
from aegle.core.errors import AegleError
from aegle.core.types import LocaleCode, normalize_locale
from aegle.evidence.answer import Answer, Answerer, cite
from aegle.evidence.ingest import load_path
from aegle.evidence.library import SUFFIXES, DuplicateDocument, builtin_library
from aegle.evidence.service import build_answerer

app = typer.Typer(help="Answers with sources from the evidence corpus.", no_args_is_help=True)
evidence_app = typer.Typer(help="Evidence passages and search.", no_args_is_help=True)
corpus_app = typer.Typer(help="The evidence corpus: add your own documents.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
app.add_typer(corpus_app, name="corpus")

LangOpt = Annotated[str | None, typer.Option("--lang", help="zh or en (default: from $LANG).")]
JsonOpt = Annotated[bool, typer.Option("--json/--text", help="Machine-readable JSON.")]
DenseOpt = Annotated[
    bool, typer.Option("--dense/--no-dense", help="Use the embedding model as well as BM25.")
]


def evidence_dir() -> Path:
    configured = os.environ.get("AEGLE_EVIDENCE_DIR")
    return Path(configured) if configured else Path.home() / ".local/share/aegle/evidence"


def _lang(value: str | None) -> LocaleCode:
    return normalize_locale(value or os.environ.get("LANG"), "en")


def _answerer(dense: bool) -> Answerer:
    root = evidence_dir()
    return build_answerer(extra_dirs=[root / "documents"], dense=dense, cache_dir=root / "cache")


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "answer": answer.answer,
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in answer.sentences],
        "citations": [c.model_dump() for c in answer.citations],
        "abstained": answer.abstained,
        "lang": answer.lang,
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
    answerer = _answerer(dense)
    try:
        result = (
            _llm_answer(answerer, question, _lang(lang))
            if llm
            else answerer.answer(question, _lang(lang))
        )
    except AegleError as err:
        fail(err)
    if as_json:
        typer.echo(json.dumps(answer_json(result), ensure_ascii=False))
        return
    typer.echo(result.answer)
    for n, c in enumerate(result.citations, start=1):
        typer.echo(f"[{n}] {c.id} — {c.title}; {c.source}")


@app.command("show")
@evidence_app.command("show")
def show(
    passage_id: Annotated[str, typer.Argument(help="A passage id from an answer.")],
    as_json: JsonOpt = False,
) -> None:
    """Show a passage in its context (its whole section) with its source."""
    library = builtin_library([evidence_dir() / "documents"])
    try:
        passage, section = library.context(passage_id)
    except AegleError as err:
        fail(err)
    data = cite(passage).model_dump() | {
        "context": [{"id": p.id, "text": p.text} for p in section],
        "sources": [s.model_dump() for s in passage.sources],
        "publisher": passage.publisher,
        "updated": passage.updated,
        "kind": passage.kind,
    }
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(f"{passage.title} — {data['section']}\n{passage.source_label}\n")
    for p in section:
        typer.echo(("> " if p.id == passage.id else "  ") + p.text)


@evidence_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Search terms or a question.")],
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=50)] = 10,
    as_json: JsonOpt = False,
    dense: DenseOpt = True,
) -> None:
    """Ranked passages with their sources (the clinician's evidence search)."""
    hits = _answerer(dense).retriever.search(query, lang=_lang(lang), k=limit)
    rows = [cite(h.passage).model_dump() | {"score": round(h.score, 5)} for h in hits]
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
            doc = load_path(path)
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
