"""Avatar images: decoded and re-encoded by us, never stored as uploaded.

Limits are checked before pixels are decoded (file size, then the header's
dimensions), so a decompression bomb is refused without being inflated.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from cosmostream.account.errors import InvalidImage
from cosmostream.errors import PayloadTooLarge

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000
SIZE = 256


def process_avatar(data: bytes, *, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"Avatars can be at most {max_bytes // (1 << 20)} MiB.")
    if not data:
        raise InvalidImage("The file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise InvalidImage()
                width, height = probe.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise InvalidImage(
                        "That image is too large to process (at most 40 megapixels)."
                    )
                probe.seek(0)
                image = ImageOps.exif_transpose(probe)
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidImage("That image is too large to process (at most 40 megapixels).") from None
    except UnidentifiedImageError:
        raise InvalidImage() from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage("That image is damaged or incomplete.") from exc
    image = image.convert("RGBA") if image.mode in ("P", "LA", "RGBA") else image.convert("RGB")
    fitted = ImageOps.fit(image, (SIZE, SIZE), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    fitted.save(out, format="WEBP", quality=85, method=4)
    return out.getvalue()
