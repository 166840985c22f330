"""The `aegle` command. Sub-commands live in sibling modules and are mounted here."""

from __future__ import annotations

import typer

from aegle.cli import interview, labs, vitals

app = typer.Typer(
    name="aegle",
    help="Aegle: an open, self-hostable AI health manager.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(vitals.app, name="vitals")
app.add_typer(labs.app, name="labs")
app.command("interview")(interview.interview)


def main() -> None:
    app()
