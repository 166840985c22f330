"""Ingestion: Markdown (with YAML front matter), HTML, plain text and PDF -> Document.

Documents are data: nothing inside one changes what the system does. Text is decoded strictly
(UTF-8, then GB18030 for Chinese files saved by older tools); undecodable bytes are an error.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import yaml
from pydantic import ValidationError

from aegle.core.errors import InvalidInput
from aegle.core.types import normalize_locale
from aegle.evidence.model import Document, DocumentMeta, Passage, Section
from aegle.evidence.text import slugify, split_sentences

MAX_PASSAGE_CHARS = {"en": 700, "zh-CN": 320}
MAX_DOCUMENT_BYTES = 20_000_000
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MD_INLINE = re.compile(r"\*\*|__|`|\[([^\]]*)\]\([^)]*\)")


class DocumentError(InvalidInput):
    """A document that cannot be ingested (no text, bad encoding, bad front matter)."""


def decode(data: bytes) -> str:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError("Document is too large", params={"limit": MAX_DOCUMENT_BYTES})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return unicodedata.normalize("NFC", _CONTROL.sub("", text))
    raise DocumentError("Document is not UTF-8 or GB18030 text")


def guess_lang(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    return "zh-CN" if cjk > 0.1 * max(1, len(text.strip())) else "en"


def _strip_inline(line: str) -> str:
    return _MD_INLINE.sub(lambda m: m.group(1) or "", line)


def _blocks(lines: list[str]) -> list[tuple[tuple[str, ...], list[str]]]:
    """(heading path, paragraphs) per section of Markdown-like lines."""
    sections: list[tuple[tuple[str, ...], list[str]]] = []
    path: list[tuple[int, str]] = []
    paragraphs: list[str] = []
    current: list[str] = []

    def flush_paragraph() -> None:
        if current:
            paragraphs.append(" ".join(current) if not _is_cjk_text(current) else "".join(current))
            current.clear()

    def flush_section() -> None:
        flush_paragraph()
        if paragraphs:
            sections.append((tuple(h for _, h in path), list(paragraphs)))
            paragraphs.clear()

    for raw in lines:
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            flush_section()
            level = len(heading.group(1))
            path[:] = [(lv, h) for lv, h in path if lv < level]
            path.append((level, _strip_inline(heading.group(2))))
            continue
        if not line:
            flush_paragraph()
            continue
        if line.startswith(("- ", "* ", "+ ")) or re.match(r"^\d+[.)]\s", line):
            flush_paragraph()
            current.append(_strip_inline(re.sub(r"^([-*+]|\d+[.)])\s+", "", line)))
            flush_paragraph()
            continue
        current.append(_strip_inline(line))
    flush_section()
    return sections


def _is_cjk_text(parts: list[str]) -> bool:
    return guess_lang("".join(parts)) == "zh-CN"


def _chunk(paragraphs: list[str], limit: int) -> list[str]:
    """Greedy packing of whole paragraphs (or whole sentences of long ones) up to `limit` chars."""
    units: list[str] = []
    for para in paragraphs:
        units.extend([para] if len(para) <= limit else split_sentences(para))
    chunks: list[str] = []
    for unit in units:
        if chunks and len(chunks[-1]) + len(unit) + 1 <= limit:
            chunks[-1] = chunks[-1] + "\n" + unit
        else:
            chunks.append(unit)
    return chunks


def build_document(meta: DocumentMeta, lines: list[str]) -> Document:
    limit = MAX_PASSAGE_CHARS[meta.lang]
    sections: list[Section] = []
    used: set[str] = set()
    for index, (path, paragraphs) in enumerate(_blocks(lines), start=1):
        # The document title is usually the H1; the section path below it names the passage.
        inner = path[1:] if path and path[0] == meta.title else path
        slug = slugify(inner[-1]) if inner else "intro"
        if not slug or slug in used:
            slug = f"s{index}"
        used.add(slug)
        passages = tuple(
            Passage(
                id=f"{meta.id}#{slug}/{n}",
                doc_id=meta.id,
                title=meta.title,
                lang=meta.lang,
                kind=meta.kind,
                section_path=inner,
                text=text,
                sources=meta.sources,
                publisher=meta.publisher,
                licence=meta.licence,
                updated=meta.updated,
                url=meta.url,
            )
            for n, text in enumerate(_chunk(paragraphs, limit), start=1)
        )
        sections.append(Section(path=inner, slug=slug, passages=passages))
    if not any(s.passages for s in sections):
        raise DocumentError("Document has no text", params={"id": meta.id})
    body = "\n".join(p.text for s in sections for p in s.passages)
    fingerprint = hashlib.sha256(" ".join(body.split()).encode()).hexdigest()
    return Document(meta=meta, sections=tuple(sections), fingerprint=fingerprint)


def _meta_from_front(front: str, origin: str) -> DocumentMeta:
    try:
        data = yaml.safe_load(front)
        if not isinstance(data, dict):
            raise DocumentError("Front matter must be a mapping", params={"origin": origin})
        return DocumentMeta.model_validate(data)
    except (yaml.YAMLError, ValidationError) as err:
        raise DocumentError(
            "Front matter is not valid", params={"origin": origin}, errors=[{"msg": str(err)}]
        ) from err


def _default_meta(stem: str, text: str, title: str | None) -> DocumentMeta:
    lang = normalize_locale(guess_lang(text))
    slug = slugify(stem) or "doc-" + hashlib.sha256(stem.encode()).hexdigest()[:8]
    return DocumentMeta(id=slug, title=title or stem, lang=lang)


def parse_markdown(text: str, *, stem: str = "document") -> Document:
    match = _FRONT.match(text)
    body = text[match.end() :] if match else text
    if match:
        meta = _meta_from_front(match.group(1), stem)
    else:
        first = next((m.group(2) for m in map(_HEADING.match, body.splitlines()) if m), None)
        meta = _default_meta(stem, body, first)
    return build_document(meta, body.splitlines())


def parse_text(text: str, *, stem: str = "document") -> Document:
    return build_document(_default_meta(stem, text, None), text.splitlines())


def parse_html(data: bytes, *, stem: str = "document") -> Document:
    from lxml import html as lxml_html

    try:
        tree = lxml_html.fromstring(data)
    except Exception as err:  # lxml raises several types for broken input
        raise DocumentError("HTML could not be read") from err
    for bad in tree.xpath("//script|//style|//noscript|//nav|//footer"):
        bad.drop_tree()
    title = (tree.findtext(".//title") or "").strip() or None
    lines: list[str] = []
    for el in tree.iter("h1", "h2", "h3", "h4", "p", "li", "td", "pre"):
        content = " ".join(el.text_content().split())
        if not content:
            continue
        tag = str(el.tag)
        lines.append(f"{'#' * int(tag[1])} {content}" if tag[0] == "h" else content)
        lines.append("")
    text = "\n".join(lines)
    return build_document(_default_meta(stem, text, title), lines)


def parse_pdf(data: bytes, *, stem: str = "document") -> Document:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        raise DocumentError("PDF could not be read") from err
    try:
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()
    text = "\n\n".join(pages)
    return build_document(_default_meta(stem, text, None), text.splitlines())


def load_path(path: Path) -> Document:
    """Ingest one file by its suffix."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return parse_pdf(data, stem=path.stem)
    if suffix in (".html", ".htm"):
        return parse_html(data, stem=path.stem)
    text = decode(data)
    if suffix in (".md", ".markdown"):
        return parse_markdown(text, stem=path.stem)
    return parse_text(text, stem=path.stem)
