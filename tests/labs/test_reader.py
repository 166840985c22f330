"""Reading files: type sniffing, PDFs (text, multi-page, encrypted, corrupt), bad input."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from aegle.labs.errors import (
    CorruptFile,
    EncryptedPdf,
    FileTooLarge,
    ImageTooLarge,
    LabInputMixin,
    NoResultsFound,
    NoTextFound,
    TooManyScannedPages,
    UnsupportedFileType,
    UnsupportedLanguage,
)
from aegle.labs.reader import MAX_BYTES, pdf_text, prepare_photo, read_document, read_report
from tests.labs.pdfmaker import make_pdf


def test_text_in_utf8_and_gb18030() -> None:
    text = "血红蛋白 135 g/L 130-175\n"
    for encoding in ("utf-8", "gb18030"):
        _doc, report = read_report(text.encode(encoding))
        assert report.items[0].test_id == "hgb"


def test_multi_page_pdf_in_both_languages() -> None:
    pdf = make_pdf(
        [
            ["Patient: Jane Doe   Sex: Female   Age: 34", "Hemoglobin 10.5 L g/dL 12.0-15.5"],
            ["血小板计数  98  10^9/L  125-350", "谷丙转氨酶  88  U/L  7-40"],
            ["Potassium 4.1 mmol/L 3.5-5.3"],
        ]
    )
    document, report = read_report(pdf)
    assert (document.kind, document.pages) == ("pdf", 3)
    assert [i.test_id for i in report.items] == ["hgb", "plt", "alt", "k"]
    assert report.sex == "F"
    assert [i.flag for i in report.items] == ["L", "L", "H", None]


def test_encrypted_and_corrupt_pdfs() -> None:
    with pytest.raises(EncryptedPdf):
        read_document(make_pdf([["x"]], encrypt_dict=True))
    with pytest.raises(CorruptFile):
        read_document(b"%PDF-1.7\n" + b"\x00garbage" * 100)
    assert EncryptedPdf().localized("zh-CN").startswith("该 PDF")


def test_wrong_types_and_sizes() -> None:
    with pytest.raises(UnsupportedFileType):
        read_document(b"PK\x03\x04" + b"\x00" * 100)  # a zip/docx
    with pytest.raises(FileTooLarge):
        read_document(b"a" * (MAX_BYTES + 1))
    with pytest.raises(NoTextFound):
        read_document(b"   \n ")
    with pytest.raises(CorruptFile):
        read_document(b"\x89PNG\r\n\x1a\n" + b"broken")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(ImageTooLarge):
        read_document(buffer.getvalue())


def test_unsupported_language_and_no_results() -> None:
    with pytest.raises(UnsupportedLanguage) as caught:
        read_report("Гемоглобин повышен, общий анализ крови без особенностей".encode())
    assert "中文" in caught.value.localized("zh-CN")
    with pytest.raises(NoResultsFound):
        read_report(b"Dear patient, your appointment is on Monday.")


@pytest.mark.parametrize(
    "text",
    [
        # Japanese shares kanji with Chinese; the kana give it away.
        "血液検査結果\nヘモグロビン  14.2  g/dL  13.5-17.5\n白血球数  6500  /μL  3300-8600\n",
        # German and French: Latin script, accented letters, no catalogue test matched.
        "Laborbefund\nHämoglobin  14,2  g/dl  13,5-17,5\nLeukozyten  6,5  /nl  4,0-10,0\n",
        "Hémoglobine  13,5  g/dL  12,0-16,0\nPlaquettes  250  G/L  150-400\n",
    ],
)
def test_reports_in_other_languages_are_refused_not_stored_as_unknown_rows(text: str) -> None:
    with pytest.raises(UnsupportedLanguage):
        read_report(text.encode())


def test_what_the_language_check_lets_through() -> None:
    # A Chinese photo whose dashes OCR read as the katakana long-vowel mark, and an English
    # report of tests the catalogue lacks, are still read.
    _doc, zh = read_report("血红蛋白  142  g/L  130-175\nーーー ーーー ーーー\n".encode())
    assert [item.test_id for item in zh.items] == ["hgb"]
    _doc, en = read_report(b"Anti-Xyz antibody  12.3  U/mL  0-10\n")
    assert [item.test_id for item in en.items] == [None]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF"]),
    st.binary(max_size=600),
)
def test_fuzz_any_bytes_give_items_or_a_clear_error(prefix: bytes, body: bytes) -> None:
    error: LabInputMixin | None = None
    try:
        _doc, report = read_report(prefix + body)
    except LabInputMixin as exc:
        error = exc
    if error is not None:
        assert error.localized("zh-CN")
        assert error.localized("en")
    else:
        assert report.items


def test_sideways_phone_photo_is_turned_upright() -> None:
    image = Image.new("RGB", (40, 20), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    assert prepare_photo(buffer.getvalue()).size == (20, 40)
    plain = io.BytesIO()
    image.save(plain, format="JPEG")
    assert prepare_photo(plain.getvalue()).size == (40, 20)


def test_big_photos_are_shrunk_while_decoding() -> None:
    image = Image.new("RGB", (4032, 3024), "white")
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to view
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    photo = prepare_photo(buffer.getvalue(), max_side=1000)
    assert photo.size == (750, 1000)
    assert photo.mode == "RGB"
    transparent = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(transparent, format="PNG")
    assert prepare_photo(transparent.getvalue()).getpixel((5, 5)) == (255, 255, 255)


def test_pdf_written_column_by_column_is_read_by_layout() -> None:
    from tests.labs.pdfmaker import make_positioned_pdf

    columns = [
        ["白细胞计数", "血红蛋白", "Platelets"],
        ["12.5", "140", "250"],
        ["10^9/L", "g/L", "10^9/L"],
        ["3.5-9.5", "130-175", "125-350"],
    ]
    cells = [
        (40 + 120 * col, 800 - 20 * row, text)
        for col, column in enumerate(columns)
        for row, text in enumerate(column)
    ]
    document, report = read_report(make_positioned_pdf(cells))
    assert document.kind == "pdf"
    assert [(i.test_id, i.value, i.flag) for i in report.items] == [
        ("wbc", 12.5, "H"),
        ("hgb", 140, None),
        ("plt", 250, None),
    ]


def test_text_starting_like_a_bitmap_header_is_text() -> None:
    _doc, report = read_report("BMI 24.5\n血红蛋白 135 g/L 130-175\n".encode())
    assert [i.test_id for i in report.items] == ["hgb"]


def test_scanned_pages_beyond_the_limit_are_refused() -> None:
    blank = make_pdf([[""], [""]])
    with pytest.raises(TooManyScannedPages) as caught:
        pdf_text(blank, max_scanned=1)
    assert caught.value.status == 413
    assert "10" in caught.value.localized("zh-CN")
