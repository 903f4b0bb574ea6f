"""Photos a resident adds to a repair report: checked and cleaned here, on the server, before
anything is kept. What comes back is new JPEG bytes (and a small preview) for the caller to
store privately; nothing here stores, serves or logs a photo.

The rules:

- At most ``MAX_PHOTOS`` (3) photos on one report (``check_count``), each at most ``MAX_BYTES``
  (10 MB, counted as 10 x 1024 x 1024 bytes). The size is checked first, before any decoding,
  and an empty file is refused.
- The type is told from the file's first bytes (its "magic number"), never from its name or
  the type the browser claims: JPEG starts FF D8 FF; PNG with its 8-byte signature; HEIC/HEIF
  (iPhone photos) with an ISO ``ftyp`` box naming one of the HEIF brands (heic, heix, hevc,
  heim, heis, hevm, hevs, mif1, msf1; an AVIF file, which also says mif1, is not HEIC). Anything
  else (a text file, GIF, PDF or program renamed ``.jpg``) is "not a photo we can take". The
  name is used only to say which file a message is about. HEIC is decoded by pillow-heif
  (libheif); if that package is missing, HEIC is refused with its own message and the hint
  stops offering it.
- The file must then decode completely with Pillow, through the decoder for the type found and
  no other: truncated or damaged files are refused as unreadable. The picture size is read from
  the header first and anything over ``MAX_PIXELS`` (64 megapixels, enough for a 50-megapixel
  phone camera) is refused before its pixels are decoded, so a small file cannot unpack into
  gigabytes (a "decompression bomb"; Pillow's own ``MAX_IMAGE_PIXELS`` error is refused the
  same way).
- The stored copy is always a new progressive JPEG, quality 85, at most
  ``LONGEST_SIDE`` (2048) pixels on its longest side, turned upright by the EXIF (or XMP)
  orientation (the turns of ``ImageOps.exif_transpose``, applied here directly because that
  function writes the EXIF back and fails on a phone's malformed EXIF; an orientation that
  cannot be read counts as upright; libheif turns HEIC photos upright itself), with transparency
  flattened onto white. Colours described by an embedded ICC profile (an iPhone's Display P3,
  a CMYK print profile) are converted to sRGB, and then the profile is dropped too: every
  viewer shows sRGB correctly without one.
- No metadata survives: the pixels are copied into a fresh image and saved with no EXIF
  (location, camera, dates, serial numbers), XMP, IPTC, comments, ICC profile or embedded
  thumbnails. Only the pixels are kept.
- A second, smaller JPEG (``THUMB_SIDE``, 320 pixels on the longest side) is made from the same
  clean pixels for lists of repairs and the back office's queue, so a page of reports does not
  fetch full-size photos.

``clean`` takes about 0.3 s for a 12-megapixel JPEG on a 2-core server, and about 1 s for a
12-megapixel HEIC (HEVC decoding is slower): call it in a worker thread, never on the event
loop, and expect a few hundred MB of memory for a moment with three large photos at once. It returns ``CleanPhoto`` or ``PhotoProblem``, whose
``message`` is written for the resident; it does not raise for a bad file.

No database, no reflex, no network: a function from bytes to bytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from dataclasses import dataclass, field

from PIL import ExifTags, Image, ImageCms

try:
    import pillow_heif
except ImportError:  # pillow-heif is in requirements.txt; without it HEIC is refused
    pillow_heif = None

MAX_PHOTOS = 3
MAX_BYTES = 10 * 1024 * 1024
LONGEST_SIDE = 2048
THUMB_SIDE = 320
MAX_PIXELS = 64_000_000
JPEG_QUALITY = 85
THUMB_QUALITY = 80

HEIC_SUPPORTED = pillow_heif is not None
if pillow_heif is not None:
    # Only the primary picture is ever used: skip the thumbnails, depth maps and auxiliary
    # images a HEIC file can carry. This registers "HEIF" with Pillow for the whole process.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

HINT = (
    "Up to 3 photos, each smaller than 10 MB. JPG, PNG or HEIC (iPhone) photos."
    if HEIC_SUPPORTED
    else "Up to 3 photos, each smaller than 10 MB. JPG or PNG photos."
)

# For the upload control's ``accept`` (react-dropzone's shape): what the file picker offers.
# Only a suggestion to the browser: ``clean`` checks every file's content regardless.
ACCEPT: dict[str, list[str]] = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}
if HEIC_SUPPORTED:
    ACCEPT |= {"image/heic": [".heic"], "image/heif": [".heif"]}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"})
# Brands that mean the HEIF container holds AV1 pictures (AVIF), not HEVC ones.
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_PILLOW_FORMAT = {"jpeg": "JPEG", "png": "PNG", "heic": "HEIF"}
# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class CleanPhoto:
    """A photo ready to store: a JPEG with no metadata, and a small preview of it."""

    data: bytes = field(repr=False)
    width: int
    height: int
    original_type: str  # "jpeg" | "png" | "heic": what the resident's file really was
    original_bytes: int
    sha256: str  # hex digest of ``data``
    thumbnail: bytes = field(repr=False)
    thumb_width: int
    thumb_height: int
    content_type: str = "image/jpeg"

    def __repr__(self) -> str:
        return (
            f"CleanPhoto({self.width}x{self.height} {self.content_type}, {len(self.data)} bytes "
            f"from {self.original_bytes} bytes of {self.original_type}, sha256={self.sha256[:12]}…)"
        )


@dataclass(frozen=True)
class PhotoProblem:
    """Why a file was refused: ``message`` is shown to the resident, ``code`` is for the code."""

    message: str
    code: str  # "too_big" | "empty" | "not_a_photo" | "unreadable" | "too_many_pixels" | "heic_unsupported"


def check_count(n_existing: int, n_new: int) -> str | None:
    """The message when adding ``n_new`` photos to ``n_existing`` would be more than
    ``MAX_PHOTOS``; None when they fit."""
    if n_existing < 0 or n_new < 0:
        raise ValueError("photo counts cannot be negative")
    if n_existing + n_new <= MAX_PHOTOS:
        return None
    limit = f"You can add up to {MAX_PHOTOS} photos"
    room = MAX_PHOTOS - n_existing
    if room <= 0:
        return f"{limit}. Remove a photo to add a different one"
    if n_existing == 0:
        return f"{limit}. Choose {MAX_PHOTOS} or fewer"
    return f"{limit}. You have added {n_existing} already, so you can add {room} more"


def clean(data: bytes, *, filename: str = "") -> CleanPhoto | PhotoProblem:
    """Check one uploaded file and return its cleaned JPEG, or the reason it is refused.
    ``filename`` is only used to name the file in a message."""
    name = _display_name(filename)
    size = len(data)
    if size == 0:
        return PhotoProblem(f"{name} is empty. Choose a {_kinds()} photo", "empty")
    if size > MAX_BYTES:
        return PhotoProblem(
            f"{name} is {_megabytes(size)}. Choose a photo smaller than {MAX_BYTES // (1024 * 1024)} MB", "too_big"
        )
    kind = sniff(data)
    if kind is None:
        return PhotoProblem(f"{name} is not a photo we can take. Choose a {_kinds()} photo", "not_a_photo")
    if kind == "heic" and not HEIC_SUPPORTED:
        return PhotoProblem(
            f"We cannot take HEIC photos yet: {name} is one. Choose a JPG or PNG photo, "
            "or on an iPhone set Settings > Camera > Formats to Most Compatible",
            "heic_unsupported",
        )
    unreadable = PhotoProblem(
        f"{name} could not be opened. It may be damaged or not fully copied to your device. "
        "Choose the photo again, or a different one",
        "unreadable",
    )
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMAT[kind]]) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                return _too_many_pixels(name, width * height)
            if kind == "jpeg":
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when that still leaves the
                # picture at least LONGEST_SIDE on its shorter side: faster, less memory.
                image.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))
            image.load()
            turn = _UPRIGHT.get(_orientation(image))
            pixels = _srgb_on_white(_resized(image, LONGEST_SIDE), turn)
    except Image.DecompressionBombError:
        return _too_many_pixels(name, None)
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError, RuntimeError):
        # Pillow's words for truncated, corrupt or undecodable data; libheif's errors (its
        # security limits among them) come through pillow-heif as these and RuntimeError.
        return unreadable
    stored = _jpeg(pixels, JPEG_QUALITY)
    thumb = _resized(pixels, THUMB_SIDE)
    return CleanPhoto(
        data=stored,
        width=pixels.width,
        height=pixels.height,
        original_type=kind,
        original_bytes=size,
        sha256=hashlib.sha256(stored).hexdigest(),
        thumbnail=_jpeg(thumb, THUMB_QUALITY),
        thumb_width=thumb.width,
        thumb_height=thumb.height,
    )


def sniff(data: bytes) -> str | None:
    """The kind of photo the file's first bytes say it is: "jpeg", "png", "heic", or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == _PNG_SIGNATURE:
        return "png"
    # ISO base media file: a 4-byte box size, "ftyp", the major brand, a 4-byte minor version,
    # then the compatible brands to the end of the box.
    if len(data) >= 12 and data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[:4], "big")
        end = min(box_size, len(data), 4096) if box_size >= 16 else 12
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
        if brands & _HEIF_BRANDS and not brands & _AVIF_BRANDS:
            return "heic"
    return None


def _kinds() -> str:
    return "JPG, PNG or HEIC" if HEIC_SUPPORTED else "JPG or PNG"


def _too_many_pixels(name: str, pixels: int | None) -> PhotoProblem:
    limit = MAX_PIXELS // 1_000_000
    size = f" ({pixels // 1_000_000} megapixels)" if pixels else ""
    return PhotoProblem(
        f"{name} is too large a picture{size}. Choose a photo of {limit} megapixels or fewer", "too_many_pixels"
    )


def _resized(image: Image.Image, longest: int) -> Image.Image:
    """The image scaled down so its longest side is at most ``longest`` (never scaled up)."""
    width, height = image.size
    if max(width, height) <= longest:
        return image
    scale = longest / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if image.mode.startswith("I;16"):
        image = image.convert("I")  # 16-bit greyscale PNGs cannot be resampled as they are
    elif image.mode not in ("1", "L", "LA", "RGB", "RGBA", "CMYK", "I", "F"):
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")  # palette images, mostly
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 to 8), or 1 when there is none or it cannot be read."""
    try:
        value = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # a malformed EXIF block: the pixels are still good
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _srgb_on_white(image: Image.Image, turn: Image.Transpose | None) -> Image.Image:
    """Turned upright, in sRGB, on white, in a fresh RGB image that carries no ``info``."""
    icc = image.info.get("icc_profile")
    if turn is not None:
        image = image.transpose(turn)
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        # 16-bit greyscale to 8-bit.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if _has_alpha(image):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    rgb = _to_srgb(image, icc) if icc else None
    if rgb is None:
        rgb = image.convert("RGB")
    # A new image from the pixels alone: nothing of the original's metadata can ride along.
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """The picture converted from its embedded profile to sRGB, or None when the profile does
    not fit the picture or cannot be read (then the pixels are taken as sRGB already). The sRGB
    profile is made afresh each time (0.1 ms): littlecms profiles are not shared across threads."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
        mode = {"RGB": "RGB", "CMYK": "CMYK", "GRAY": "L"}.get(space)
        if mode is None:
            return None
        if image.mode != mode:
            if image.mode in ("RGBA", "RGB") and mode == "RGB":
                image = image.convert("RGB")
            else:
                return None
        return ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, progressive=True, optimize=True, subsampling="4:2:0")
    return out.getvalue()


def _display_name(filename: str) -> str:
    """The file's own name, as the resident's device gave it, without any folders (some
    browsers send C:\\fakepath\\...), control characters, or more than 60 characters."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", re.split(r"[/\\]", filename or "")[-1]).strip()
    if not name:
        return "This file"
    return name if len(name) <= 60 else name[:57] + "…"


def _megabytes(size: int) -> str:
    """Rounded up to a tenth, so a file just over the limit never reads as 10 MB."""
    tenths = math.ceil(size * 10 / (1024 * 1024))
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"
