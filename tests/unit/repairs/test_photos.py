"""Repair photos (services/repairs/photos.py): what is refused and with which words, how the
type is told from the content and not the name, and that what is kept is an upright, resized
JPEG with no location or any other metadata. Every image is made here with Pillow."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from portal_app.services.repairs import photos
from portal_app.services.repairs.photos import CleanPhoto, PhotoProblem

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ORIENTATION, DATETIME_ORIGINAL = 0x010F, 0x0110, 0x0112, 0x9003


def camera_exif(*, orientation: int = 1) -> Image.Exif:
    """A phone's EXIF: where (a street in Leeds), on what, when, and which way up."""
    exif = Image.Exif()
    exif[MAKE] = "Apple"
    exif[MODEL] = "iPhone 15"
    exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = "2025:01:14 09:30:00"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (53.0, 47.0, 51.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "W", (1.0, 32.0, 57.0)  # GPSLongitudeRef, GPSLongitude
    return exif


XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="53,47.85N" '
    b'exif:GPSLongitude="1,32.95W"/></rdf:RDF></x:xmpmeta>'
)


def picture(width: int = 400, height: int = 300) -> Image.Image:
    """A picture whose top-left quarter is red and the rest blue, so turns can be seen."""
    image = Image.new("RGB", (width, height), (20, 40, 200))
    image.paste((220, 20, 20), (0, 0, width // 2, height // 2))
    return image


def jpeg(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, **params)
    return out.getvalue()


def png(image: Image.Image, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", **params)
    return out.getvalue()


def with_iptc(data: bytes) -> bytes:
    """The JPEG with an APP13 (Photoshop/IPTC) segment naming a place, as news cameras write."""
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x5a\x00\x05Leeds\x00\x00\x00\x00\x00"
    return data[:2] + b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc + data[2:]


def jpeg_segments(data: bytes) -> list[int]:
    """The markers of a JPEG's segments up to the first scan."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return markers
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        at += 2 + length


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge picture, with hardly any data behind it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        photos._PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def cleaned(data: bytes, filename: str = "photo.jpg") -> CleanPhoto:
    result = photos.clean(data, filename=filename)
    assert isinstance(result, CleanPhoto), result
    return result


def refused(data: bytes, filename: str = "photo.jpg") -> PhotoProblem:
    result = photos.clean(data, filename=filename)
    assert isinstance(result, PhotoProblem), result
    return result


def assert_no_metadata(data: bytes) -> None:
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(stored.info)
    for trace in (b"Exif", b"GPS", b"Apple", b"iPhone", b"2025:01:14", b"xmpmeta", b"Photoshop", b"Leeds"):
        assert trace not in data
    # Only JFIF's APP0 besides the picture's own tables: no APP1-APP15 (EXIF, XMP, ICC, IPTC)
    # and no COM (comment) segment.
    assert {m for m in jpeg_segments(data) if 0xE1 <= m <= 0xEF or m == 0xFE} == set()


# --- What is kept --------------------------------------------------------------------------


def test_a_phone_jpeg_with_its_location_comes_back_with_no_exif_gps_xmp_iptc_or_comment():
    original = with_iptc(
        jpeg(picture(), exif=camera_exif(), xmp=XMP, comment=b"Taken at 12 Acacia Avenue, Leeds LS6 1AA")
    )
    assert b"Exif" in original and b"GPSLatitude" in original  # the test photo really carries them
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    photo = cleaned(original)

    assert_no_metadata(photo.data)
    assert_no_metadata(photo.thumbnail)


def test_a_photo_taken_sideways_with_orientation_6_comes_back_upright():
    photo = cleaned(jpeg(picture(400, 300), exif=camera_exif(orientation=6)))

    stored = Image.open(io.BytesIO(photo.data))
    assert (photo.width, photo.height) == stored.size == (300, 400)
    # Orientation 6 is "turn 90 degrees clockwise to view": the red top-left corner goes top right.
    assert stored.convert("RGB").getpixel((270, 30))[0] > 180
    assert stored.convert("RGB").getpixel((30, 30))[2] > 150
    assert_no_metadata(photo.data)


def test_a_photo_whose_exif_is_malformed_is_still_cleaned_and_turned_upright():
    # The GPS latitude entry relabelled as text (type 2) instead of three rationals (type 5), as
    # some phones' and editors' EXIF writers get wrong: ImageOps.exif_transpose fails on it.
    exif = camera_exif(orientation=6).tobytes()
    latitude = b"\x00\x02\x00\x05\x00\x00\x00\x03"  # tag 2, type 5, count 3 (big-endian)
    assert exif.count(latitude) == 1
    original = jpeg(picture(400, 300), exif=exif.replace(latitude, b"\x00\x02\x00\x02\x00\x00\x00\x03"))

    photo = cleaned(original)

    assert (photo.width, photo.height) == (300, 400)
    assert_no_metadata(photo.data)


def test_a_png_with_transparency_comes_back_as_a_jpeg_on_white():
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 100, 100))

    photo = cleaned(png(image), filename="leak.png")

    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and stored.mode == "RGB" and photo.content_type == "image/jpeg"
    assert photo.original_type == "png"
    assert min(stored.getpixel((150, 50))) > 245  # the transparent half is white, not black
    assert stored.getpixel((50, 50))[0] > 180


def test_a_palette_png_with_a_transparent_colour_is_also_flattened_onto_white():
    image = Image.new("P", (100, 100), 0)
    image.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
    image.paste(1, (0, 0, 50, 100))

    stored = Image.open(io.BytesIO(cleaned(png(image, transparency=0)).data))

    assert min(stored.getpixel((80, 50))) > 245
    assert stored.getpixel((20, 50))[1] > 100


def test_a_png_with_exif_location_and_text_chunks_comes_back_without_them():
    original = png(picture(), exif=camera_exif(), pnginfo=_png_text("Location", "Acacia Avenue, Leeds"))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    assert_no_metadata(cleaned(original, filename="boiler.png").data)


def _png_text(key: str, value: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


def test_a_5000_by_3000_photo_comes_back_2048_on_its_longest_side():
    photo = cleaned(jpeg(picture(5000, 3000)))

    assert (photo.width, photo.height) == Image.open(io.BytesIO(photo.data)).size == (2048, 1229)


def test_a_tall_photo_is_limited_on_its_height_and_a_small_one_is_not_enlarged():
    tall, small = cleaned(jpeg(picture(1000, 3000))), cleaned(jpeg(picture(640, 480)))

    assert (tall.width, tall.height) == (683, 2048)
    assert (small.width, small.height) == (640, 480)


def test_the_preview_is_a_small_clean_jpeg_of_the_same_picture():
    photo = cleaned(jpeg(picture(4000, 3000), exif=camera_exif(orientation=6)))

    preview = Image.open(io.BytesIO(photo.thumbnail))
    assert preview.format == "JPEG"
    assert preview.size == (photo.thumb_width, photo.thumb_height) == (240, 320)
    assert len(photo.thumbnail) < len(photo.data)


def test_the_stored_copy_records_what_it_was_made_from_and_its_checksum():
    original = jpeg(picture())

    photo = cleaned(original)

    assert photo.original_type == "jpeg"
    assert photo.original_bytes == len(original)
    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    assert photo.data != original


def test_the_repr_of_a_clean_photo_never_includes_its_bytes():
    photo = cleaned(jpeg(picture()))

    text = repr(photo)
    assert "400x300" in text and "jpeg" in text
    assert "\\x" not in text and "b'" not in text and len(text) < 200


def swapped_primaries_profile() -> bytes:
    """An ICC v2 RGB display profile whose red and green primaries are sRGB's the other way
    round: a wide-gamut stand-in (like an iPhone's Display P3) whose conversion is plain to see.
    Its red (255, 0, 0) is sRGB's green."""

    def s15(*values: float) -> bytes:
        return b"".join(struct.pack(">i", round(v * 65536)) for v in values)

    def xyz(*values: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(*values)

    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, 0x0233) + b"\0\0"  # 2.2
    name = b"Swapped primaries\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(name)) + name + b"\0" * 12 + b"\0" * 67
    desc += b"\0" * (-len(desc) % 4)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)),  # sRGB's green (D50)
        (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),  # sRGB's red
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset, table, body = 128 + 4 + 12 * len(tags), b"", b""
    for signature, data in tags:
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(
        ">I4sI4s4s4s12s4s", size, b"\0" * 4, 0x02100000, b"mntr", b"RGB ", b"XYZ ", b"\0" * 12, b"acsp"
    )
    header += b"\0" * 28 + s15(0.9642, 1.0, 0.8249) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def test_the_colours_of_a_wide_gamut_photo_are_converted_to_srgb_and_its_profile_dropped():
    original = jpeg(Image.new("RGB", (100, 100), (255, 0, 0)), icc_profile=swapped_primaries_profile())

    photo = cleaned(original)

    stored = Image.open(io.BytesIO(photo.data))
    assert "icc_profile" not in stored.info
    r, g, b = stored.getpixel((50, 50))
    assert g > 180 and r < 80 and b < 80  # what the profile says the pixel is: green


def test_a_photo_with_a_profile_that_cannot_be_read_is_kept_with_its_pixels_as_they_are():
    photo = cleaned(jpeg(Image.new("RGB", (100, 100), (255, 0, 0)), icc_profile=b"not a profile at all"))

    r, g, b = Image.open(io.BytesIO(photo.data)).getpixel((50, 50))
    assert r > 200 and g < 60 and b < 60


def test_a_cmyk_jpeg_comes_back_as_rgb():
    cmyk = Image.new("CMYK", (100, 100), (0, 255, 255, 0))  # red in print colours

    stored = Image.open(io.BytesIO(cleaned(jpeg(cmyk)).data))

    assert stored.mode == "RGB"
    assert stored.getpixel((50, 50))[0] > 180 and stored.getpixel((50, 50))[2] < 80


def test_a_16_bit_greyscale_png_comes_back_as_a_grey_jpeg():
    image = Image.new("I;16", (3000, 100), 40000)

    photo = cleaned(png(image))

    stored = Image.open(io.BytesIO(photo.data)).convert("RGB")
    assert photo.width == 2048
    assert 140 < stored.getpixel((1000, 50))[0] < 170  # 40000 / 65535 of white, not clipped white


# --- The type is told from the content -----------------------------------------------------


def test_a_real_png_named_jpg_and_a_real_jpeg_named_txt_are_taken_for_what_they_are():
    assert cleaned(png(picture()), filename="photo.jpg").original_type == "png"
    assert cleaned(jpeg(picture()), filename="notes.txt").original_type == "jpeg"


def test_a_text_file_renamed_jpg_is_refused_as_not_a_photo():
    problem = refused(b"Bathroom tap drips. Please come on Tuesday.\n", filename="notes.jpg")

    assert problem.code == "not_a_photo"
    assert problem.message == "notes.jpg is not a photo we can take. Choose a JPG, PNG or HEIC photo"


def test_a_gif_renamed_jpg_is_refused_as_not_a_photo():
    out = io.BytesIO()
    picture().save(out, format="GIF")

    assert refused(out.getvalue(), filename="damp.jpg").code == "not_a_photo"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00",
        b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf\x00\x00\x00\x00",  # AVIF says mif1 too
        b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2",  # an MP4 video
        b"RIFF\x24\x00\x00\x00WEBPVP8 ",
        b"\xff\xd8",  # too short to be a JPEG
    ],
    ids=["pdf", "exe", "avif", "mp4", "webp", "two-bytes"],
)
def test_other_kinds_of_file_renamed_jpg_are_refused_as_not_a_photo(content):
    assert refused(content, filename="photo.jpg").code == "not_a_photo"


def test_the_type_comes_from_the_magic_bytes():
    assert photos.sniff(b"\xff\xd8\xff\xe0rest") == "jpeg"
    assert photos.sniff(photos._PNG_SIGNATURE + b"rest") == "png"
    assert photos.sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic") == "heic"
    assert photos.sniff(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "heic"
    assert photos.sniff(b"GIF89a") is None


# --- Refused files -------------------------------------------------------------------------


def test_an_11_mb_file_is_refused_naming_10_mb_without_being_decoded(monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("a file over the limit was decoded")

    monkeypatch.setattr(photos.Image, "open", must_not_decode)
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024)

    problem = refused(big, filename="holiday.jpg")

    assert problem.code == "too_big"
    assert problem.message == "holiday.jpg is 11.1 MB. Choose a photo smaller than 10 MB"


def test_a_file_one_byte_over_10_mb_is_refused_and_one_at_exactly_10_mb_is_not_for_its_size():
    assert refused(b"\xff\xd8\xff" + b"\x00" * (photos.MAX_BYTES - 2)).message.startswith("photo.jpg is 10.1 MB.")
    assert refused(b"\xff\xd8\xff" + b"\x00" * (photos.MAX_BYTES - 3)).code == "unreadable"


def test_an_empty_file_is_refused():
    problem = refused(b"", filename="kitchen.jpg")

    assert problem.code == "empty"
    assert problem.message.startswith("kitchen.jpg is empty.")


def test_a_truncated_jpeg_is_refused_as_unreadable():
    whole = jpeg(picture(800, 600), progressive=False)

    problem = refused(whole[: len(whole) // 2], filename="ceiling.jpg")

    assert problem.code == "unreadable"
    assert problem.message.startswith("ceiling.jpg could not be opened.")


def test_a_truncated_png_and_a_jpeg_of_garbage_are_refused_as_unreadable():
    whole = png(Image.effect_noise((300, 300), 60))

    assert refused(whole[: len(whole) // 2], filename="a.png").code == "unreadable"
    assert refused(b"\xff\xd8\xff\xe0" + b"\x13\x37" * 500).code == "unreadable"


def test_a_heic_file_that_is_not_really_a_picture_is_refused_as_unreadable():
    assert refused(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200).code == "unreadable"


@pytest.mark.parametrize("width,height", [(9000, 8000), (20000, 20000)], ids=["72-megapixels", "400-megapixels"])
def test_a_picture_with_too_many_pixels_is_refused_before_it_is_unpacked(width, height):
    problem = refused(png_header_only(width, height), filename="bomb.png")

    assert problem.code == "too_many_pixels"
    assert problem.message.startswith("bomb.png is too large a picture")
    assert "64 megapixels" in problem.message


def test_a_50_megapixel_phone_photo_is_not_refused_for_its_pixels():
    image = Image.new("L", (8160, 6144), 128)  # a Pixel's 50-megapixel mode: 50.1 million pixels

    photo = cleaned(jpeg(image))

    assert (photo.width, photo.height) == (2048, 1542)


def test_the_message_names_the_file_without_its_folders_or_a_long_tail():
    assert refused(b"hello", filename="C:\\fakepath\\notes.jpg").message.startswith("notes.jpg is not")
    assert refused(b"hello", filename="/home/me/notes.jpg").message.startswith("notes.jpg is not")
    assert photos.clean(b"hello").message.startswith("This file is not")
    assert refused(b"hello", filename="x" * 100 + ".jpg").message.startswith("x" * 57 + "… is not")


# --- HEIC ----------------------------------------------------------------------------------


def test_a_heic_photo_with_its_location_comes_back_as_a_clean_upright_jpeg():
    pillow_heif = pytest.importorskip("pillow_heif", reason="pillow-heif is not installed: HEIC is refused")
    out = io.BytesIO()
    pillow_heif.from_pillow(picture(400, 300)).save(out, quality=90, exif=camera_exif(orientation=6).tobytes(), xmp=XMP)
    original = out.getvalue()
    assert photos.sniff(original) == "heic"
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    photo = cleaned(original, filename="IMG_0042.HEIC")

    assert photo.original_type == "heic" and photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (300, 400)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.getpixel((270, 30))[0] > 180
    assert_no_metadata(photo.data)


def test_a_heic_file_claiming_an_impossible_size_is_refused_not_raised():
    pillow_heif = pytest.importorskip("pillow_heif", reason="pillow-heif is not installed: HEIC is refused")
    out = io.BytesIO()
    pillow_heif.from_pillow(picture(64, 48)).save(out)
    original = out.getvalue()
    # The "ispe" box (the coded picture's width and height) made to claim 4,278,190,144 pixels
    # wide: libheif refuses to decode it with its own security limit (a RuntimeError).
    at = original.index(b"ispe") + 8  # past the type, version and flags
    damaged = original[:at] + b"\xff\x00\x00\x40" + original[at + 4 :]

    problem = refused(damaged, filename="IMG_0043.HEIC")

    assert problem.code in {"unreadable", "too_many_pixels"}
    assert problem.message.startswith("IMG_0043.HEIC ")


def test_a_heic_photo_is_refused_with_its_own_words_when_heic_cannot_be_read(monkeypatch):
    monkeypatch.setattr(photos, "HEIC_SUPPORTED", False)

    problem = refused(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200, filename="IMG_1.HEIC")

    assert problem.code == "heic_unsupported"
    assert problem.message.startswith("We cannot take HEIC photos yet: IMG_1.HEIC")


def test_the_hint_and_the_accepted_types_offer_heic_when_pillow_heif_is_installed():
    assert photos.HEIC_SUPPORTED == (importlib.util.find_spec("pillow_heif") is not None)
    assert ("HEIC" in photos.HINT) == photos.HEIC_SUPPORTED == ("image/heic" in photos.ACCEPT)
    assert "3 photos" in photos.HINT and "10 MB" in photos.HINT


def test_without_pillow_heif_heic_is_refused_and_neither_the_hint_nor_the_picker_offers_it():
    # A fresh interpreter where importing pillow_heif fails, as on a server without it.
    script = (
        "import sys; sys.modules['pillow_heif'] = None\n"
        "from portal_app.services.repairs import photos\n"
        "heic = b'\\x00\\x00\\x00\\x18ftypheic\\x00\\x00\\x00\\x00mif1heic' + bytes(200)\n"
        "print(photos.HEIC_SUPPORTED, 'HEIC' in photos.HINT, sorted(photos.ACCEPT), photos.clean(heic).code)\n"
        "print(photos.clean(b'hello', filename='notes.jpg').message)\n"
    )
    repo = Path(__file__).resolve().parents[3]

    run = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, timeout=60)

    assert run.returncode == 0, run.stderr
    facts, refusal = run.stdout.splitlines()
    assert facts.split() == ["False", "False", "['image/jpeg',", "'image/png']", "heic_unsupported"]
    assert refusal == "notes.jpg is not a photo we can take. Choose a JPG or PNG photo"


# --- How many ------------------------------------------------------------------------------


def test_a_fourth_photo_is_refused_by_check_count():
    assert photos.check_count(3, 1).startswith("You can add up to 3 photos")
    assert photos.check_count(2, 2).startswith("You can add up to 3 photos")
    assert photos.check_count(0, 4).startswith("You can add up to 3 photos")


def test_up_to_three_photos_are_allowed_by_check_count():
    assert photos.check_count(0, 3) is None
    assert photos.check_count(2, 1) is None
    assert photos.check_count(0, 0) is None


def test_check_count_says_how_many_more_can_be_added():
    assert photos.check_count(2, 2) == "You can add up to 3 photos. You have added 2 already, so you can add 1 more"
    assert photos.check_count(3, 1) == "You can add up to 3 photos. Remove a photo to add a different one"
