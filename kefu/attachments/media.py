"""Check what a customer uploads and make it safe to show: images decoded and re-encoded, PDFs by their signature.

Images (JPEG, PNG, WebP, GIF) are decoded by Pillow, so a file that only claims to be an image is refused, and
written again from their pixels: EXIF (GPS position, camera serial) and any other metadata are dropped, the EXIF
orientation is applied to the pixels, and the longer side is cut to MAX_SIDE. JPEG, PNG and WebP stay what they
were; a GIF becomes a PNG of its first frame (a customer's photo is evidence, not an animation). HEIC is refused
with a clear way out: browsers on iPhones already hand a picked photo over as JPEG, so it reaches kefu only from
the API channel, and decoding it would need libheif (pillow-heif) for that one case.
PDFs are kept byte for byte and only ever served as downloads.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from kefu.errors import KefuError

MAX_SIDE = 2560
# Decoded pixels at most (a decompression bomb is a tiny file of enormous dimensions). A JPEG is decoded at a
# reduced scale when it is large (libjpeg's draft mode), so it may have more: 48-108 MP phone photos pass.
MAX_PIXELS = 30_000_000
MAX_JPEG_PIXELS = 120_000_000
JPEG_QUALITY = 85
MAX_NAME = 100

# Pillow format → (content type, extension) of what is stored.
OUTPUT = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
INPUT_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# ISO-BMFF brands of HEIC/HEIF files (after "ftyp" at offset 4).
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


@dataclass(frozen=True)
class Prepared:
    """A file ready to store: its bytes and the facts the attachment row and the message carry."""

    kind: str  # image | file
    content_type: str
    ext: str
    name: str
    data: bytes
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class UploadRefused(KefuError):
    status = 415
    code = "unsupported_file_type"


def prepare(data: bytes, filename: str, *, max_bytes: int) -> Prepared:
    """Check an uploaded file and return what to store, or refuse it with a reason the customer can act on."""
    if not data:
        raise UploadRefused("the file is empty", code="empty_file", status=400)
    if len(data) > max_bytes:
        raise UploadRefused(f"the file is larger than {_megabytes(max_bytes)} MB", code="file_too_large", status=413)
    if data.startswith(b"%PDF-"):
        return Prepared("file", "application/pdf", "pdf", clean_name(filename, "pdf", "file"), data)
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        raise UploadRefused("HEIC photos are not supported: send it as JPEG (iPhone: Settings → Camera → Formats → "
                            "Most Compatible) or send a screenshot of it", code="heic_not_supported")
    return _image(data, filename)


def _image(data: bytes, filename: str) -> Prepared:
    try:
        img = Image.open(io.BytesIO(data), formats=INPUT_FORMATS)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if _looks_like_image(data):
            raise _damaged() from exc
        raise UploadRefused("only photos (JPEG, PNG, WebP, GIF) and PDF files can be sent") from exc
    source = img.format
    width, height = img.size
    limit = MAX_JPEG_PIXELS if source == "JPEG" else MAX_PIXELS
    if width * height > limit:
        raise _too_many_pixels(limit)
    try:
        if source == "JPEG":
            img.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at 1/2, 1/4 or 1/8 scale when that still covers MAX_SIDE
        img.load()  # the first frame of an animation; a truncated or corrupt file fails here
        img = ImageOps.exif_transpose(img)
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise _damaged() from exc
    fmt = "PNG" if source == "GIF" else source
    alpha = fmt != "JPEG" and img.has_transparency_data
    img = img.convert("RGBA" if alpha else "RGB")
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # Only the colour profile goes along: without it a wide-gamut phone photo looks washed out.
    options: dict = {"icc_profile": img.info.get("icc_profile")} if img.info.get("icc_profile") else {}
    if fmt == "JPEG":
        options.update(quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        options.update(quality=JPEG_QUALITY, method=4)
    img.save(out, fmt, **options)
    content_type, ext = OUTPUT[fmt]
    return Prepared("image", content_type, ext, clean_name(filename, ext, "image"), out.getvalue(),
                    img.width, img.height)


def _looks_like_image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _damaged() -> UploadRefused:
    return UploadRefused("the image is damaged or incomplete", code="invalid_image", status=400)


def _too_many_pixels(limit: int = MAX_PIXELS) -> UploadRefused:
    return UploadRefused(f"the image is too large (more than {limit // 1_000_000} million pixels)",
                         code="image_too_large", status=413)


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.3g}"


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def clean_name(filename: str, ext: str, fallback: str) -> str:
    """The file's own name without folders or control characters, ending in the extension of what is stored."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = " ".join(_UNSAFE.sub(" ", stem).split()).strip(". ")
    return f"{stem[:MAX_NAME - len(ext) - 1] or fallback}.{ext}"
