"""What an uploaded photo must be, and what is kept of it: Pillow decodes it whole, then it is written again.

Writing it again is how the EXIF block goes (its GPS position above all, but also the camera's serial number):
the orientation it carried is applied to the pixels first, and the colour profile is kept.
"""

from __future__ import annotations

import io
import warnings
from typing import NamedTuple

from PIL import Image, ImageOps

from app.domain.errors import ValidationFailed

# Pillow's format name → (media type, file extension).
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # SPEC §3: 10 MB
# Pixels, not bytes: a small file can decode into gigabytes (a "decompression bomb").
MAX_PIXELS = 50_000_000
THUMBNAIL_SIDE = 400
_QUALITY = 90


class Picture(NamedTuple):
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def clean_photo(raw: bytes, *, field: str = "photo", max_side: int | None = None) -> Picture:
    """The photo without its metadata (and at most `max_side` pixels on its longer side), or ValidationFailed
    naming `field`: too large, not an image, or not JPEG/PNG/WebP."""
    if len(raw) > MAX_PHOTO_BYTES:
        raise ValidationFailed.single(field, "photo_too_large", max=MAX_PHOTO_BYTES)
    image = _decode(raw, field)
    upright = ImageOps.exif_transpose(image)
    if max_side:
        upright.thumbnail((max_side, max_side))
    return _encode(upright, image.format or "", icc_profile=image.info.get("icc_profile"))


def thumbnail(raw: bytes) -> Picture:
    """A copy at most THUMBNAIL_SIDE pixels on its longer side, in the photo's own format."""
    image = _decode(raw)
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    return _encode(image, image.format or "", icc_profile=image.info.get("icc_profile"))


def _decode(raw: bytes, field: str = "photo") -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationFailed.single(field, "photo_too_many_pixels", max=MAX_PIXELS)
            image.load()  # decodes every pixel: a truncated or forged file fails here
    except ValidationFailed:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed.single(field, "photo_too_many_pixels", max=MAX_PIXELS) from None
    except (OSError, ValueError, SyntaxError, EOFError):  # unidentified, damaged or truncated
        raise ValidationFailed.single(field, "photo_not_an_image") from None
    return image


def _encode(image: Image.Image, format_name: str, *, icc_profile: bytes | None) -> Picture:
    content_type, extension = FORMATS[format_name]
    if format_name == "JPEG" and image.mode not in {"RGB", "L", "CMYK"}:
        image = image.convert("RGB")
    options: dict[str, object] = {"quality": _QUALITY} if format_name in {"JPEG", "WEBP"} else {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, format=format_name, **options)  # no `exif=`: the metadata is not written back
    return Picture(out.getvalue(), content_type, extension, image.width, image.height)
