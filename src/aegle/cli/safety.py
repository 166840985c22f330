"""`aegle safety check`: the deterministic safety screen, for integrators and referees."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from aegle.core.types import normalize_locale
from aegle.safety import load_default

app = typer.Typer(help="The safety layer: crisis and emergency detection.", no_args_is_help=True)


@app.command("check")
def check(
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"text", "lang"} lines on stdin.')
    ] = False,
    text: Annotated[str | None, typer.Argument(help="One message to screen.")] = None,
    lang: Annotated[str, typer.Option(help="zh or en (single message).")] = "zh-CN",
) -> None:
    """Print {"label": crisis|emergency|none, "level", "reasons", "rules"} per message."""
    screen = load_default()

    def answer(message: str, language: str | None) -> str:
        assessment = screen.screen(message, normalize_locale(language))
        return json.dumps(
            {
                "label": assessment.category,
                "level": assessment.level.value if assessment.level else None,
                "reasons": list(assessment.reasons),
                "rules": list(assessment.rule_ids),
            },
            ensure_ascii=False,
        )

    if not jsonl:
        if text is None:
            raise typer.BadParameter("give a message or --jsonl")
        typer.echo(answer(text, lang))
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            output = answer(str(item["text"]), item.get("lang"))
        except (ValueError, KeyError, TypeError) as error:
            output = json.dumps({"type": "error", "message": str(error)})
        sys.stdout.write(output + "\n")
        sys.stdout.flush()
