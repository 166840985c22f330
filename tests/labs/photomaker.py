"""Render a report's lines as a phone-like photo: CJK font, slight rotation, blur and JPEG
compression. Uses the WenQuanYi Micro Hei font that `make test` installs (fonts-wqy-microhei)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def render_photo(lines: list[str], *, angle: float = 1.5, blur: float = 0.7) -> bytes:
    font = ImageFont.truetype(str(FONT), 24, index=1)  # the monospaced face keeps columns
    texts = [line.replace("\t", "    ") for line in lines]
    width = max(int(font.getlength(text)) for text in texts) + 80
    image = Image.new("RGB", (max(width, 600), 40 * len(texts) + 80), "white")
    draw = ImageDraw.Draw(image)
    for index, text in enumerate(texts):
        draw.text((40, 40 + 40 * index), text, fill=(30, 30, 30), font=font)
    image = image.rotate(angle, expand=True, fillcolor="white", resample=Image.Resampling.BICUBIC)
    image = image.filter(ImageFilter.GaussianBlur(blur))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()
