"""Errors for bad lab-report input, each with a message in both locales."""

from __future__ import annotations

from typing import ClassVar

from aegle.core.errors import InvalidInput, NotFound, PayloadTooLarge, UnsupportedMediaType
from aegle.core.types import LocaleCode, LocalizedText


class LabInputMixin(Exception):
    """Marks lab input errors; `except LabInputMixin` catches all of them."""

    message: ClassVar[LocalizedText]

    def localized(self, locale: LocaleCode) -> str:
        return self.message.get(locale)


class UnsupportedFileType(LabInputMixin, UnsupportedMediaType):
    code = "lab_report_unsupported_type"
    message = LocalizedText(
        zh="不支持该文件类型。请上传化验单的照片（JPG/PNG）、PDF 或文本文件。",
        en="This file type is not supported. "
        "Please upload a photo (JPG/PNG), a PDF or a text file.",
    )


class FileTooLarge(LabInputMixin, PayloadTooLarge):
    code = "lab_report_too_large"
    message = LocalizedText(
        zh="文件太大。请上传不超过 20 MB、不超过 50 页的化验单。",
        en="The file is too large. Please upload a report of at most 20 MB and 50 pages.",
    )


class TooManyScannedPages(LabInputMixin, PayloadTooLarge):
    code = "lab_report_too_many_scans"
    message = LocalizedText(
        zh="扫描版 PDF 最多读取 10 页。请分成几份上传，或上传带文字的电子版报告。",
        en="Scanned PDFs are read up to 10 pages. "
        "Please split the file, or upload the report as a PDF with text.",
    )


class ImageTooLarge(LabInputMixin, PayloadTooLarge):
    code = "lab_report_image_too_large"
    message = LocalizedText(
        zh="图片像素过大，无法安全读取。请拍摄或导出一张普通分辨率的照片。",
        en="The image has too many pixels to read safely. Please use an ordinary-resolution photo.",
    )


class EncryptedPdf(LabInputMixin, InvalidInput):
    code = "lab_report_encrypted"
    message = LocalizedText(
        zh="该 PDF 有密码保护，无法读取。请去除密码后再上传。",
        en="This PDF is password-protected and cannot be read. Please remove the password first.",
    )


class CorruptFile(LabInputMixin, InvalidInput):
    code = "lab_report_corrupt"
    message = LocalizedText(
        zh="文件已损坏或格式不正确，无法读取。",
        en="The file is damaged or not in the format its name says, so it cannot be read.",
    )


class NoTextFound(LabInputMixin, InvalidInput):
    code = "lab_report_no_text"
    message = LocalizedText(
        zh="没有在文件中识别到文字。请确认照片清晰、完整、光线充足。",
        en="No text was found in the file. "
        "Please check that the photo is sharp, complete and well lit.",
    )


class NoResultsFound(LabInputMixin, InvalidInput):
    code = "lab_report_no_results"
    message = LocalizedText(
        zh="没有识别到检验结果。请确认上传的是化验单，或直接粘贴结果文字。",
        en="No test results were recognised. "
        "Please check that this is a lab report, or paste the results as text.",
    )


class UnsupportedLanguage(LabInputMixin, InvalidInput):
    code = "lab_report_unsupported_language"
    message = LocalizedText(
        zh="暂时只支持中文和英文化验单。",
        en="Only Chinese and English lab reports are supported for now.",
    )


class MissingFile(LabInputMixin, NotFound):
    code = "lab_report_missing_file"
    message = LocalizedText(
        zh="找不到该文件，请检查路径。",
        en="The file was not found; please check the path.",
    )
