"""The one decode path for every image u2studio reads, and PNG output for masks and cutouts."""

from __future__ import annotations

import io
import os
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from u2studio.core.atomic import atomic_write_bytes

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp"})
DEFAULT_MAX_PIXELS = 250_000_000
DEFAULT_DECODE_BUDGET_MB = 2048
# Peak bytes per pixel while decoding: Pillow's RGBA buffer, the upright copy, RGB and alpha arrays.
DECODE_BYTES_PER_PIXEL = 16


class ImageLoadError(Exception):
    """An image could not be read; the message names the file and the reason."""


@dataclass(frozen=True)
class LoadedImage:
    """A decoded image: RGB uint8 pixels, the alpha channel if it had one, and where it came from."""

    rgb: np.ndarray
    alpha: np.ndarray | None
    path: Path | None
    source_mode: str
    source_format: str

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.rgb.shape[1], self.rgb.shape[0]


def max_pixels() -> int:
    """The decompression-bomb limit; ``U2STUDIO_MAX_PIXELS`` overrides the default."""
    try:
        return int(os.environ.get("U2STUDIO_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    except ValueError:
        return DEFAULT_MAX_PIXELS


def decode_budget_bytes() -> int:
    """Memory one decode may use: ``U2STUDIO_DECODE_BUDGET_MB`` (default 2048 MB), and never more than
    half of the memory the system has available right now (where it can tell)."""
    try:
        budget = int(os.environ.get("U2STUDIO_DECODE_BUDGET_MB", DEFAULT_DECODE_BUDGET_MB)) << 20
    except ValueError:
        budget = DEFAULT_DECODE_BUDGET_MB << 20
    available = _available_memory()
    if available is not None:
        budget = min(budget, available // 2)
    return max(budget, 1 << 20)


def _available_memory() -> int | None:
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def pixel_limit() -> tuple[int, str]:
    """The most pixels one decode may have, and which limit set it (for the error message)."""
    fixed = max_pixels()
    budget = decode_budget_bytes()
    by_memory = budget // DECODE_BYTES_PER_PIXEL
    if by_memory < fixed:
        return by_memory, (f"the {budget >> 20} MB decode memory budget "
                           "(set U2STUDIO_DECODE_BUDGET_MB to raise it, within half the free memory)")
    return fixed, "the limit that guards against decompression bombs (set U2STUDIO_MAX_PIXELS to raise it)"


def read_regular_file(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (symlinks followed); named pipes, devices, sockets
    and folders are refused with ImageLoadError instead of blocking or reading forever."""
    try:
        _refuse_special(path, os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ImageLoadError(f"{path}: file not found") from None
    except OSError as exc:
        raise ImageLoadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        with os.fdopen(fd, "rb", closefd=True) as handle:
            _refuse_special(path, os.fstat(handle.fileno()).st_mode)  # the file opened is the one checked
            return handle.read()
    except OSError as exc:
        raise ImageLoadError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def _refuse_special(path: Path, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = (
        "a named pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    )
    raise ImageLoadError(f"{path}: is {kind}, not an image file; only regular files are read")


def is_image_path(path: Path) -> bool:
    """Whether ``path`` has an extension u2studio reads."""
    return path.suffix.lower() in IMAGE_EXTENSIONS


def load_image(path: str | os.PathLike[str]) -> LoadedImage:
    """Read any supported image file as upright RGB uint8, or raise ImageLoadError."""
    file_path = Path(path)
    return decode_image(read_image_bytes(file_path), file_path)


def read_image_bytes(path: Path) -> bytes:
    """An image file's raw bytes (regular files only), or ImageLoadError naming the file and the reason."""
    return read_regular_file(path)


def decode_image(data: bytes, path: Path | None = None) -> LoadedImage:
    """Decode encoded image bytes as upright RGB uint8, or raise ImageLoadError."""
    label = str(path) if path else "image"
    if not data:
        raise ImageLoadError(f"{label}: the file is empty")
    limit = pixel_limit()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = None  # our own check below runs on the header, before decoding
            try:
                with Image.open(io.BytesIO(data)) as img:
                    _check_pixels(img.size, limit, label)
                    fmt = img.format or "?"
                    mode = img.mode
                    fast = _jpeg_rgb(data, img) if fmt == "JPEG" and mode == "RGB" else None
                    if fast is not None:
                        return LoadedImage(fast, None, path, mode, fmt)
                    img.load()
                    ImageOps.exif_transpose(img, in_place=True)  # no 72-MB copy of an upright 24-MP photo
                    rgb, alpha = _to_rgb(img)
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(f"{label}: too many pixels for the decompression-bomb limit ({exc})") from exc
    except UnidentifiedImageError:
        raise ImageLoadError(f"{label}: not an image file, or a format u2studio cannot read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        fallback = _decode_with_opencv(data, limit, label)
        if fallback is None:
            raise ImageLoadError(f"{label}: truncated or corrupt image ({exc})") from exc
        return LoadedImage(fallback[0], fallback[1], path, "opencv", "?")
    return LoadedImage(rgb, alpha, path, mode, fmt)


# EXIF orientation -> the numpy view that turns the stored pixels upright (as ImageOps.exif_transpose does)
_ORIENT = {
    2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2), 6: lambda a: np.rot90(a, -1), 7: lambda a: np.rot90(a, -1)[::-1],
    8: lambda a: np.rot90(a, 1),
}


def _jpeg_rgb(data: bytes, img: Image.Image) -> np.ndarray | None:
    """An RGB JPEG decoded by OpenCV straight into upright RGB, or None to let Pillow decode it.

    Both use libjpeg-turbo and give the same pixels (tests/test_imageio.py checks it); OpenCV skips
    Pillow's copies into numpy, which cost more than the decode itself on a 24-MP photo (180 ms).
    The header checks (size, bomb limit) have run on ``img`` already.
    """
    arr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    if arr is None or arr.shape != (img.height, img.width, 3):
        return None
    turn = _ORIENT.get(img.getexif().get(0x0112, 1))
    return np.ascontiguousarray(turn(arr)) if turn else arr


def _check_pixels(size: tuple[int, int], limit: tuple[int, str], label: str) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageLoadError(f"{label}: the image has no pixels ({width}x{height})")
    most, why = limit
    if width * height > most:
        raise ImageLoadError(
            f"{label}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
            f"{most / 1e6:.0f}-megapixel limit set by {why}"
        )


def _to_rgb(img: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    """Convert any Pillow mode to RGB uint8 plus an optional alpha channel."""
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        gray = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(gray[:, :, None], 3, axis=2)), None
    alpha: np.ndarray | None = None
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        arr = np.asarray(rgba)
        alpha = np.ascontiguousarray(arr[:, :, 3])
        return np.ascontiguousarray(arr[:, :, :3]), alpha
    rgb = img if mode == "RGB" else img.convert("RGB")  # convert() to the same mode would copy every pixel
    return np.ascontiguousarray(np.asarray(rgb)), None


def _decode_with_opencv(data: bytes, limit: tuple[int, str], label: str) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Second chance for files Pillow cannot decode (for example 16-bit colour TIFF)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    arr = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    if arr is None or arr.size == 0:
        return None
    _check_pixels((arr.shape[1], arr.shape[0]), limit, label)
    if arr.dtype == np.uint16:
        arr = (arr.astype(np.float32) / 257.0 + 0.5).astype(np.uint8)
    elif arr.dtype != np.uint8:
        arr = cv2.normalize(arr, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2RGB), None
    if arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2RGB), np.ascontiguousarray(arr[:, :, 3])
    return cv2.cvtColor(arr, cv2.COLOR_BGR2RGB), None


def to_uint8_mask(prob: np.ndarray) -> np.ndarray:
    """A float mask in [0, 1] as 8-bit values 0..255."""
    return np.clip(prob * 255.0 + 0.5, 0, 255).astype(np.uint8)


def encode_png(array: np.ndarray) -> bytes:
    """Encode a gray (H×W), RGB or RGBA uint8 array as PNG bytes."""
    if array.dtype != np.uint8:
        raise ValueError(f"PNG output needs uint8 pixels, got {array.dtype}")
    if array.ndim == 2:
        bgr = array
    elif array.shape[2] == 3:
        bgr = cv2.cvtColor(array, cv2.COLOR_RGB2BGR)
    elif array.shape[2] == 4:
        bgr = cv2.cvtColor(array, cv2.COLOR_RGBA2BGRA)
    else:
        raise ValueError(f"cannot write an array of shape {array.shape} as PNG")
    ok, buf = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def save_png(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write a uint8 array as PNG atomically."""
    return atomic_write_bytes(path, encode_png(array))


def load_mask(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a mask file as H×W uint8 (the first channel, or luminance for colour files)."""
    loaded = load_image(path)
    if loaded.source_mode in ("L", "1", "P", "I;16", "I;16B", "I;16L", "I", "F", "LA"):
        return np.ascontiguousarray(loaded.rgb[:, :, 0])
    return cv2.cvtColor(loaded.rgb, cv2.COLOR_RGB2GRAY)


def make_cutout(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """An RGBA cutout: the image's colours with the mask (uint8 or float in [0, 1]) as alpha."""
    if mask.shape != rgb.shape[:2]:
        raise ValueError(f"mask {mask.shape} and image {rgb.shape[:2]} differ in size")
    alpha = mask if mask.dtype == np.uint8 else to_uint8_mask(mask.astype(np.float32))
    return np.dstack([rgb, alpha])


@dataclass(frozen=True)
class ImageInfo:
    """A decoded image with its colour management: ``icc_profile`` describes ``rgb`` (None: untagged, sRGB).

    CMYK files with an embedded profile are converted to sRGB through that profile, and then carry an sRGB
    profile; RGB files keep their own profile untouched, so a cutout written with it looks like the source.
    """

    image: LoadedImage
    icc_profile: bytes | None
    converted_from: str | None  # e.g. "CMYK" when the pixels were converted through the embedded profile

    @property
    def rgb(self) -> np.ndarray:
        """The pixels (H×W×3 uint8)."""
        return self.image.rgb


def srgb_profile() -> bytes:
    """An sRGB ICC profile, to tag pixels that were converted to sRGB."""
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def load_image_info(path: str | os.PathLike[str]) -> ImageInfo:
    """Read an image like :func:`load_image`, plus its ICC profile; CMYK goes through its embedded profile."""
    file_path = Path(path)
    data = read_image_bytes(file_path)
    loaded = decode_image(data, file_path)
    try:
        with Image.open(io.BytesIO(data)) as img:
            icc = img.info.get("icc_profile") or None
            mode = img.mode
            if mode == "CMYK" and icc:
                return ImageInfo(_cmyk_to_srgb(img, icc, loaded, file_path), srgb_profile(), "CMYK")
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError):
        return ImageInfo(loaded, None, None)  # decoded by the OpenCV fallback: no profile to read
    return ImageInfo(loaded, icc, None)


def _cmyk_to_srgb(img: Image.Image, icc: bytes, loaded: LoadedImage, path: Path) -> LoadedImage:
    """The CMYK image converted to sRGB through its embedded profile (upright, like ``loaded``)."""
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        img.load()
        upright = ImageOps.exif_transpose(img)
        converted = ImageCms.profileToProfile(upright, source, ImageCms.createProfile("sRGB"), outputMode="RGB",
                                              renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return loaded  # a broken embedded profile: keep Pillow's plain conversion
    assert converted is not None
    return LoadedImage(np.ascontiguousarray(np.asarray(converted)), loaded.alpha, path, "CMYK", loaded.source_format)
