"""`aegle vitals ...`: device data metrics (issue 5)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Health data from devices: metrics and charts.", no_args_is_help=True)
