"""Message catalogues for user-facing strings (gettext .po files read with Babel).

Message ids are the English text; `locale/zh_CN/LC_MESSAGES/messages.po` must translate every
one of them (a test extracts all ids from code and templates and checks). Knowledge entries carry
their own `LocalizedText` instead; catalogues are for the product's own interface strings.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from aegle.core.types import LocaleCode

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (translated later, at use)."""
    return message


def catalogue_path(locale: LocaleCode) -> Path:
    return LOCALE_DIR / locale.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: LocaleCode) -> NullTranslations:
    """Compile the .po catalogue in memory once per process (no build step needed)."""
    path = catalogue_path(locale)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale.replace("-", "_"))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext_for(locale: LocaleCode) -> Gettext:
    return translations(locale).gettext


def translate(locale: LocaleCode, message: str, **params: object) -> str:
    """Translate `message` and fill `{named}` placeholders."""
    text = translations(locale).gettext(message)
    return text.format(**params) if params else text
