"""What an uploaded photo must be, and what is kept of it (pure: Pillow only)."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from app.domain.errors import ValidationFailed
from app.domain.photos.images import MAX_PIXELS, THUMBNAIL_SIDE, clean_photo, thumbnail


def encoded(image: Image.Image, format_name: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


def refusal(raw: bytes) -> str:
    with pytest.raises(ValidationFailed) as refused:
        clean_photo(raw)
    (error,) = refused.value.errors
    assert error.field == "photo"
    return error.code


def test_a_small_file_that_decodes_into_too_many_pixels_is_refused() -> None:
    huge = encoded(Image.new("1", (10_000, MAX_PIXELS // 10_000 + 1)), "PNG")
    assert len(huge) < 1_000_000
    assert refusal(huge) == "photo_too_many_pixels"


def test_png_text_chunks_are_not_written_back() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "-23.96, -46.33")
    cleaned = clean_photo(encoded(Image.new("RGBA", (50, 40), (0, 0, 0, 0)), "PNG", pnginfo=info))
    kept = Image.open(io.BytesIO(cleaned.data))
    assert kept.format == "PNG" and kept.mode == "RGBA" and "Location" not in kept.info
    assert (cleaned.content_type, cleaned.extension, cleaned.width, cleaned.height) == ("image/png", ".png", 50, 40)


def test_a_cmyk_jpeg_stays_a_jpeg() -> None:
    cleaned = clean_photo(encoded(Image.new("CMYK", (30, 20)), "JPEG"))
    assert Image.open(io.BytesIO(cleaned.data)).format == "JPEG"


@pytest.mark.parametrize("format_name", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(format_name: str) -> None:
    assert refusal(encoded(Image.new("RGB", (20, 20)), format_name)) == "photo_not_an_image"


def test_a_thumbnail_keeps_the_proportions_and_never_grows() -> None:
    wide = thumbnail(encoded(Image.new("RGB", (1600, 900)), "WEBP"))
    assert (wide.width, wide.height, wide.extension) == (THUMBNAIL_SIDE, 225, ".webp")
    small = thumbnail(encoded(Image.new("RGB", (120, 80)), "JPEG"))
    assert (small.width, small.height) == (120, 80)
