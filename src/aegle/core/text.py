"""Cleaning of free text from people before it is stored or analysed."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab, newline and carriage return; lone surrogates cannot be encoded.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_user_text(text: str) -> str:
    """NFC-normalise, drop control characters and lone surrogates, trim surrounding space.

    >>> clean_user_text("  头疼\\x00三天 ")
    '头疼三天'
    """
    return unicodedata.normalize("NFC", _UNSAFE.sub("", text)).strip()
