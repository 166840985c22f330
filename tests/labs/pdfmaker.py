"""A tiny PDF writer for test fixtures: text pages, Latin (Helvetica) and Chinese
(the standard STSong-Light CID font, no embedding), no third-party dependency."""

from __future__ import annotations

from collections.abc import Sequence


def _latin(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"/F1 10 Tf (" + escaped.encode("latin-1") + b") Tj"


def _cjk(text: str) -> bytes:
    return b"/F2 10 Tf <" + text.encode("utf-16-be").hex().upper().encode() + b"> Tj"


def _line(text: str) -> bytes:
    return _latin(text) if all(ord(c) < 128 for c in text) else _cjk(text)


def make_positioned_pdf(cells: Sequence[tuple[float, float, str]]) -> bytes:
    """One page whose text cells are written in the given order at (x, y): lets a test write
    a table column by column, as some report generators do."""
    content = b" ".join(
        b"BT " + f"{x} {y} Td ".encode() + _line(text) + b" ET" for x, y, text in cells
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents 6 0 R >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
    ]
    return _assemble(objects)


def make_image_pdf(jpeg: bytes, width: int, height: int, media: tuple[int, int]) -> bytes:
    """One page holding only a JPEG (a scanned report: no text layer)."""
    w, h = media
    content = f"q {w} 0 0 {h} 0 0 cm /Im1 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] ".encode()
        + b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} ".encode()
        + b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
        + f"/Length {len(jpeg)} >>".encode()
        + b"\nstream\n"
        + jpeg
        + b"\nendstream",
    ]
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def make_pdf(pages: list[list[str]], *, encrypt_dict: bool = False) -> bytes:
    """Each page is a list of lines, written top to bottom."""
    objects: list[bytes] = []
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    page_ids = [5 + 2 * i for i in range(len(pages))]
    kids = b" ".join(f"{pid} 0 R".encode() for pid in page_ids)
    objects.append(
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(len(pages)).encode() + b" >>"
    )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objects.append(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> >>] >>"
    )
    for index, lines in enumerate(pages):
        content = b"BT 14 TL 40 800 Td " + b" T* ".join(_line(line) for line in lines) + b" ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents "
            + str(6 + 2 * index).encode()
            + b" 0 R >>"
        )
        objects.append(
            b"<< /Length "
            + str(len(content)).encode()
            + b" >>\nstream\n"
            + content
            + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    if encrypt_dict:
        offsets.append(len(out))
        out += (
            f"{len(objects) + 1} 0 obj\n".encode()
            + b"<< /Filter /Standard /V 1 /R 2 /O <"
            + b"11" * 32
            + b"> /U <"
            + b"22" * 32
            + b"> /P -4 >>\nendobj\n"
        )
    xref = len(out)
    count = len(offsets) + 1
    out += f"xref\n0 {count}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {count} /Root 1 0 R".encode()
    if encrypt_dict:
        trailer += f" /Encrypt {len(objects) + 1} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]".encode()
    out += trailer + f" >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
