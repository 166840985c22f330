"""`aegle interview --jsonl`: the interview protocol on stdin/stdout (issue 3)."""

from __future__ import annotations

import typer


def interview(
    jsonl: bool = typer.Option(False, "--jsonl", help="Speak the JSON-lines protocol."),
) -> None:
    """Run a consultation interview (not built yet)."""
    typer.echo("The interview engine is not built yet.", err=True)
    raise typer.Exit(2)
