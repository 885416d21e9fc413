"""Checking and re-encoding uploads with real images made by Pillow in memory."""

import io

import pytest
from PIL import Image, PngImagePlugin

from kefu.attachments.media import MAX_SIDE, UploadRefused, clean_name, prepare
from tests.support import images

MB = 1024 * 1024


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_phone_jpeg_is_turned_upright_and_loses_its_exif():
    original = images.phone_jpeg(80, 40, orientation=6)  # stored landscape, meant to be seen portrait
    assert _open(original).getexif()[images.MAKE] == "PhoneMaker"
    out = prepare(original, "IMG_0001.JPG", max_bytes=10 * MB)
    assert (out.kind, out.content_type, out.ext, out.name) == ("image", "image/jpeg", "jpg", "IMG_0001.jpg")
    img = _open(out.data)
    assert img.format == "JPEG" and img.size == (40, 80) == (out.width, out.height)
    assert not img.getexif()  # no orientation, no camera, no GPS
    assert b"PhoneMaker" not in out.data
    assert out.sha256 == __import__("hashlib").sha256(out.data).hexdigest()


def test_large_png_is_bounded_and_keeps_transparency_but_not_its_text():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: somewhere")
    buf = io.BytesIO()
    Image.new("RGBA", (4000, 1000), (0, 0, 0, 0)).save(buf, "PNG", pnginfo=info)
    out = prepare(buf.getvalue(), "screenshot.png", max_bytes=10 * MB)
    img = _open(out.data)
    assert img.format == "PNG" and img.mode == "RGBA"
    assert img.size == (MAX_SIDE, 640)
    assert b"home address" not in out.data and "Comment" not in img.info


def test_gif_becomes_a_png_of_its_first_frame_and_webp_stays_webp():
    out = prepare(images.gif(frames=3, size=(30, 20)), "dance.gif", max_bytes=MB)
    img = _open(out.data)
    assert (out.content_type, out.name, img.format, img.size) == ("image/png", "dance.png", "PNG", (30, 20))
    assert getattr(img, "n_frames", 1) == 1
    out = prepare(images.webp(50, 30), "x.webp", max_bytes=MB)
    assert (out.content_type, _open(out.data).format, out.width, out.height) == ("image/webp", "WEBP", 50, 30)


def test_pdf_is_kept_byte_for_byte_as_a_file():
    out = prepare(images.PDF, "../../发票 2026.PDF", max_bytes=MB)
    assert (out.kind, out.content_type, out.name, out.data) == ("file", "application/pdf", "发票 2026.pdf", images.PDF)
    assert out.width is None and out.height is None


@pytest.mark.parametrize(("data", "name", "code", "status"), [
    (b"just some text, honestly\n", "photo.jpg", "unsupported_file_type", 415),
    (images.truncated_png(), "photo.png", "invalid_image", 400),
    (b"", "photo.jpg", "empty_file", 400),
    (images.heic_header(), "IMG_0002.HEIC", "heic_not_supported", 415),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "a.svg", "unsupported_file_type", 415),
    (b"GIF89a" + b"\x00" * 20, "broken.gif", "invalid_image", 400),
    (images.phone_jpeg()[:200], "cut.jpg", "invalid_image", 400),
])
def test_what_is_not_a_usable_image_is_refused_with_a_reason(data, name, code, status):
    with pytest.raises(UploadRefused) as err:
        prepare(data, name, max_bytes=MB)
    assert (err.value.code, err.value.status) == (code, status)
    assert err.value.message


def test_too_many_bytes_and_too_many_pixels_are_refused():
    with pytest.raises(UploadRefused) as err:
        prepare(images.noisy_png(), "big.png", max_bytes=1000)
    assert (err.value.code, err.value.status) == ("file_too_large", 413)
    # A decompression bomb: 36 million pixels in a few kilobytes.
    buf = io.BytesIO()
    Image.new("1", (6000, 6000)).save(buf, "PNG")
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(UploadRefused) as err:
        prepare(buf.getvalue(), "bomb.png", max_bytes=MB)
    assert (err.value.code, err.value.status) == ("image_too_large", 413)


def test_a_big_phone_jpeg_is_decoded_small():
    buf = io.BytesIO()
    Image.new("RGB", (8000, 6000), (90, 90, 90)).save(buf, "JPEG", quality=50)
    out = prepare(buf.getvalue(), "48mp.jpg", max_bytes=10 * MB)
    assert (out.width, out.height) == (MAX_SIDE, 1920)


@pytest.mark.parametrize(("given", "expected"), [
    ("C:\\Users\\me\\照片.jpeg", "照片.jpg"),
    ("/etc/passwd", "passwd.jpg"),
    ("a\x00b\nc.png", "a b c.jpg"),
    ("", "image.jpg"),
    ("...", "image.jpg"),
    ("x" * 300 + ".png", "x" * 96 + ".jpg"),
])
def test_clean_name(given, expected):
    assert clean_name(given, "jpg", "image") == expected
