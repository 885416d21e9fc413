"""Images made in memory for upload tests: real encodings by Pillow, with the metadata a phone would add."""

from __future__ import annotations

import io

from PIL import Image

ORIENTATION, MAKE, GPS_IFD, GPS_LATITUDE = 0x0112, 0x010F, 0x8825, 2


def png(width: int = 64, height: int = 48, color=(30, 120, 200), *, alpha: bool = False) -> bytes:
    img = Image.new("RGBA" if alpha else "RGB", (width, height), (*color, 128) if alpha else color)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def phone_jpeg(width: int = 80, height: int = 40, *, orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: camera make, GPS position and a rotate-90 orientation in its EXIF."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (31.0, 14.0, 5.5)
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def gif(frames: int = 3, size=(30, 20)) -> bytes:
    images = [Image.new("P", size, i + 1) for i in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def webp(width: int = 50, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 10)).save(out, "WEBP")
    return out.getvalue()


def noisy_png(width: int = 200, height: int = 200) -> bytes:
    """A PNG that does not compress well (so cutting it short loses real image data)."""
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "PNG")
    return out.getvalue()


def truncated_png() -> bytes:
    data = noisy_png()
    return data[: len(data) // 2]


def heic_header() -> bytes:
    """The first bytes of an iPhone HEIC photo (an ISO-BMFF ftyp box with the heic brand)."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
