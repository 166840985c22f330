"""Turn an uploaded file (text, PDF, photo) into report text, then into parsed items.

The file type is decided by its bytes, not its name. Limits protect the process: size,
page count and decoded pixel count (decompression bombs) are checked before heavy work.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from aegle.labs.errors import (
    CorruptFile,
    EncryptedPdf,
    FileTooLarge,
    ImageTooLarge,
    NoResultsFound,
    NoTextFound,
    TooManyScannedPages,
    UnsupportedFileType,
    UnsupportedLanguage,
)
from aegle.labs.model import LabItem, ParsedReport
from aegle.labs.parse import ReportParser, default_parser

if TYPE_CHECKING:
    from PIL import Image

MAX_BYTES = 20 * 1024 * 1024
MAX_PAGES = 50
# Each scanned page costs a photo's OCR (seconds): a long scan would hold a worker for minutes.
MAX_SCANNED_PAGES = 10
MAX_PIXELS = 40_000_000
# Photos are shrunk to this longest side before OCR, once and cheaply while decoding. The text
# detector reads a page best at about this scale: on the two real CBC photos and on 12 MP
# versions of them, 1280 keeps gold accuracy at 0.95 while 1600 and 2000 (RapidOCR's own
# limit) drop the 12 MP versions to 0.75, and 1024 drops the originals to 0.85.
OCR_MAX_SIDE = 1280
PDF_RENDER_SCALE = 2.0

Kind = Literal["text", "pdf", "image"]


@dataclass(frozen=True)
class Document:
    kind: Kind
    text: str
    pages: int
    alternatives: tuple[str, ...] = ()


def sniff(data: bytes) -> Kind:
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    bitmap = head.startswith(b"BM") and head[6:10] == b"\x00\x00\x00\x00"  # not "BMI 24"
    if (
        head.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"))
        or bitmap
        or (head.startswith(b"RIFF") and head[8:12] == b"WEBP")
    ):
        return "image"
    if b"\x00" in data[:4096]:
        raise UnsupportedFileType()
    return "text"


def decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnsupportedFileType()


def _check_image(data: bytes) -> None:
    """Read only the header: the pixel count is checked before anything is decoded."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge() from exc
    except (UnidentifiedImageError, OSError) as exc:
        raise CorruptFile() from exc
    if width * height > MAX_PIXELS:
        raise ImageTooLarge()


def prepare_photo(data: bytes, max_side: int | None = None) -> Image.Image:
    """Decode a photo once, upright and no larger than OCR needs.

    Phones store sideways photos with an EXIF orientation tag, which is applied here. A 12 MP
    JPEG is decoded by libjpeg at a reduced scale (`draft`) rather than in full and then
    shrunk: that halves the CPU a phone photo costs. Transparent images go onto white paper.
    """
    from PIL import Image, ImageOps

    max_side = max_side or OCR_MAX_SIDE
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if image.format == "JPEG" and max(width, height) >= 2 * max_side:
            # Decodes at 1/2, 1/4 or 1/8 scale, never below the requested size.
            scale = max(width, height) / max_side
            image.draft("RGB", (math.ceil(width / scale), math.ceil(height / scale)))
        image.load()
        upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    ):
        rgba = upright.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        upright = paper
    photo = upright.convert("RGB")
    if max(photo.size) > max_side:
        photo.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return photo


def image_text(data: bytes) -> str:
    from aegle.labs.ocr import ocr_image, text_from_boxes

    _check_image(data)
    try:
        photo = prepare_photo(data)
    except (OSError, ValueError) as exc:  # truncated or malformed image data
        raise CorruptFile() from exc
    boxes = ocr_image(photo)
    if not boxes:
        raise NoTextFound()
    return text_from_boxes(boxes)


def pdf_text(data: bytes, *, max_scanned: int = MAX_SCANNED_PAGES) -> tuple[str, str, int]:
    """(content-order text, layout text, page count). A page with no text layer (a scan) is
    rendered and OCR'd. Layout text regroups the page's text runs into rows by position, for
    PDFs whose content stream is written column by column."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).casefold():
            raise EncryptedPdf() from exc
        raise CorruptFile() from exc
    try:
        count = len(pdf)
        if count > MAX_PAGES:
            raise FileTooLarge()
        plain: list[str] = []
        layout: list[str] = []
        scanned = 0
        for index in range(count):
            page = pdf[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            if text.strip():
                layout.append(_layout_text(textpage, page.get_height()))
            else:
                scanned += 1
                if scanned > max_scanned:
                    raise TooManyScannedPages()
                text = _ocr_page(page)
                layout.append(text)
            textpage.close()
            page.close()
            plain.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    finally:
        pdf.close()
    return "\n".join(plain), "\n".join(layout), count


def _layout_text(textpage: object, height: float) -> str:
    from aegle.labs.ocr import Box, text_from_boxes

    boxes: list[Box] = []
    for index in range(textpage.count_rects()):  # type: ignore[attr-defined]
        left, bottom, right, top = textpage.get_rect(index)  # type: ignore[attr-defined]
        text = textpage.get_text_bounded(left, bottom, right, top)  # type: ignore[attr-defined]
        if text.strip():
            # PDF y grows upwards; boxes use image coordinates.
            y0, y1 = height - top, height - bottom
            points = ((left, y0), (right, y0), (right, y1), (left, y1))
            boxes.append(Box(points, text.replace("\r\n", " ").strip(), 1.0))
    return text_from_boxes(boxes, ocr=False)


def _ocr_page(page: object) -> str:
    from aegle.labs.ocr import ocr_image, text_from_boxes

    # A page with no text layer is a scan: render it, but never to a bitmap bigger than a
    # photo we would accept (a huge MediaBox is a decompression bomb of its own).
    width, height = page.get_size()  # type: ignore[attr-defined]
    scale = PDF_RENDER_SCALE
    if width * height * scale * scale > MAX_PIXELS:
        scale = (MAX_PIXELS / max(width * height, 1.0)) ** 0.5
        if scale < 0.5:
            raise ImageTooLarge()
    bitmap = page.render(scale=scale)  # type: ignore[attr-defined]
    image = bitmap.to_pil()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    boxes = ocr_image(buffer.getvalue())
    return text_from_boxes(boxes) if boxes else ""


def read_document(data: bytes) -> Document:
    if len(data) > MAX_BYTES:
        raise FileTooLarge()
    if not data.strip():
        raise NoTextFound()
    kind = sniff(data)
    if kind == "pdf":
        text, layout, pages = pdf_text(data)
        return Document("pdf", text, pages, (layout,))
    if kind == "image":
        return Document("image", image_text(data), 1)
    return Document("text", decode_text(data), 1)


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_SUPPORTED = re.compile(r"[A-Za-z\u4e00-\u9fff]")


# Kana without the long-vowel mark and middle dot, which OCR makes of dashes and dots.
_KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")
_ACCENTED_LATIN = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")


def check_language(text: str, items: Sequence[LabItem] = ()) -> None:
    """Raise when the text is in a language we cannot read: mostly another script (Cyrillic,
    Arabic, Hangul), Japanese (kana between the kanji that Chinese shares), or a Latin-script
    language (accented letters) of which no result named a catalogue test. Such reports used
    to be stored as a few unknown rows, or misread, instead of being refused."""
    kana = len(_KANA.findall(text))
    if kana >= 3 and kana >= 0.1 * len(_LETTERS.findall(text)):
        raise UnsupportedLanguage()
    if any(item.test_id is not None for item in items):
        return  # OCR noise in a report we can read is no reason to refuse it
    letters = _LETTERS.findall(text)
    if not letters:
        return
    supported = sum(1 for char in letters if _SUPPORTED.match(char))
    if supported / len(letters) < 0.5 or (items and _ACCENTED_LATIN.search(text)):
        raise UnsupportedLanguage()


def read_report(
    data: bytes,
    *,
    sex: str | None = None,
    age: float | None = None,
    parser: ReportParser | None = None,
) -> tuple[Document, ParsedReport]:
    """Read a file into parsed items, or raise one of the `aegle.labs.errors`."""
    document = read_document(data)
    if not document.text.strip():
        raise NoTextFound()
    parser = parser or default_parser()
    report = parser.parse(document.text, sex=sex, age=age)
    for alternative in document.alternatives:
        # The reading that finds more results wins (content order vs. page layout).
        other = parser.parse(alternative, sex=sex, age=age)
        if len(other.items) > len(report.items):
            report = other
    check_language(document.text, report.items)
    if not report.items:
        raise NoResultsFound()
    return document, report
