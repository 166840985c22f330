"""`aegle labs ...`: lab reports (issue 4)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Lab reports: parse, explain, catalogue.", no_args_is_help=True)
