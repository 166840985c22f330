"""`aegle labs ...`: lab reports (issue 4)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from aegle.core.types import LocaleCode, normalize_locale
from aegle.labs.catalogue import default_catalogue
from aegle.labs.errors import FileTooLarge, LabInputMixin, MissingFile
from aegle.labs.interpret import explain as explain_report
from aegle.labs.model import ParsedReport
from aegle.labs.reader import MAX_BYTES, read_report
from aegle.labs.render import catalogue_json, explanation_text, report_json

app = typer.Typer(help="Lab reports: parse, explain, catalogue.", no_args_is_help=True)

FileArg = Annotated[
    str, typer.Argument(help="Text, PDF or photo; '-' reads pasted text from standard input")
]
SexOpt = Annotated[str | None, typer.Option("--sex", help="M or F (else read from the report)")]
AgeOpt = Annotated[float | None, typer.Option("--age", help="Age in years")]


def _read(file: str, sex: str | None, age: float | None, locale: LocaleCode) -> ParsedReport:
    path = Path(file)
    try:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_BYTES + 1)
        elif not path.is_file():
            raise MissingFile()
        elif path.stat().st_size > MAX_BYTES:
            raise FileTooLarge()
        else:
            data = path.read_bytes()
        _document, report = read_report(data, sex=sex, age=age)
    except LabInputMixin as exc:
        typer.echo(exc.localized(locale), err=True)
        raise typer.Exit(2) from exc
    return report


@app.command()
def parse(
    file: FileArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    sex: SexOpt = None,
    age: AgeOpt = None,
    lang: Annotated[str, typer.Option("--lang", help="zh or en (messages)")] = "zh",
) -> None:
    """Extract every result: name, value, unit, flag and reference range."""
    locale = normalize_locale(lang)
    report = _read(file, sex, age, locale)
    if as_json:
        typer.echo(json.dumps(report_json(report), ensure_ascii=False))
        return
    for item in report.items:
        ref = item.reference_range
        range_text = f"{ref.text} ({ref.origin})" if ref and ref.text else ""
        typer.echo(
            f"{item.name}\t{item.value_text}\t{item.unit or ''}\t{item.flag or ''}\t{range_text}"
        )


@app.command("explain")
def explain_command(
    file: FileArg,
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh",
    sex: SexOpt = None,
    age: AgeOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the structured explanation")
    ] = False,
) -> None:
    """Explain a report in plain language with sources (critical values first)."""
    locale = normalize_locale(lang)
    report = _read(file, sex, age, locale)
    explanation = explain_report(report)
    if as_json:
        typer.echo(explanation.model_dump_json())
        return
    typer.echo(explanation_text(explanation, locale), nl=False)


@app.command()
def catalogue(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """List the known tests with LOINC codes, names, aliases and reference intervals."""
    data = catalogue_json(default_catalogue())
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    for test in data["tests"]:
        typer.echo(f"{','.join(test['loinc'])}\t{test['name_zh']}\t{test['name_en']}")
