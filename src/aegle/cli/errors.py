"""How every command reports one of our errors: translated, on stderr, exit status 1."""

from __future__ import annotations

import os
from typing import NoReturn

import typer

from aegle.core.errors import AegleError
from aegle.core.i18n import translate
from aegle.core.types import normalize_locale


def fail(error: AegleError) -> NoReturn:
    locale = normalize_locale(os.environ.get("LANG"), "en")
    message = translate(locale, error.detail or error.title, **error.params)
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)
