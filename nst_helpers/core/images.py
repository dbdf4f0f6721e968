"""Reading, converting, resizing and saving images (taught in notebooks 01 and 02): float32 batches
of one, ``(1, H, W, 3)`` in [0, 1]. Pillow and NumPy only: the command line checks before TensorFlow."""

from __future__ import annotations

import contextlib
import math
import os
import stat
from pathlib import Path
from typing import Any, Iterator

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nst_helpers.core.errors import NSTError, shown
from nst_helpers.core.settings import DEFAULTS
from nst_helpers.core.sources import Fetch, fetched_image, is_url, resolve_image

MIN_SIDE = 32  # smallest side the network sees: the deepest VGG layers need a few pixels
MAX_PIXELS = 100_000_000  # width x height, above any camera's: refuses decompression bombs


@contextlib.contextmanager
def project_pixel_limit() -> Iterator[None]:
    """Let :data:`MAX_PIXELS` decide which images are too large, not Pillow's lower default limit."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def to_rgb(image: Image.Image, name: str = "the image") -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB: transparency is composited on white, 16-bit is scaled (notebook 02)."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):  # 16- and 32-bit grey, float
        gray = np.asarray(image, dtype=np.float64)
        if not np.isfinite(gray).all():
            raise NSTError(
                f"{name} has NaN or infinite pixels; export it again as an 8-bit PNG or JPEG"
            )
        if mode == "F":
            scale = 1.0 if gray.max(initial=0) <= 1.0 else 255.0
        else:
            scale = 65535.0 if mode.startswith("I;16") or gray.max(initial=0) > 255 else 255.0
        gray8 = np.clip(np.round(gray / scale * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(gray8, "L").convert("RGB")
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")  # L, 1, P, CMYK, YCbCr, LAB, HSV


def regular_file(path: Path) -> Path:
    """``path`` if it is a regular file, else a one-line ``NSTError`` (a FIFO or /dev/stdin would hang);
    a permission error is left to the caller, :func:`open_image`."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise NSTError(
            f"image not found: {shown(path)}; check the path (or use a shipped image, see "
            "images/README.md)"
        ) from None
    except PermissionError:
        raise
    except OSError as exc:
        raise NSTError(f"cannot use {shown(path)}: {exc.strerror or exc}; check the path") from None
    if stat.S_ISDIR(mode):
        raise NSTError(f"{shown(path)} is a folder, not an image; name a file inside it")
    if not stat.S_ISREG(mode):
        kind = "a socket" if stat.S_ISSOCK(mode) else "a device"
        kind = "a FIFO" if stat.S_ISFIFO(mode) else kind
        raise NSTError(
            f"{shown(path)} is {kind}, not an image file; save the image to a file first"
        )
    return path


def open_image(source: str | os.PathLike, fetch: Fetch | None = None) -> Image.Image:
    """Open a path or URL as an upright 8-bit RGB Pillow image, or raise a one-line ``NSTError`` (notebook 02)."""
    path = fetched_image(str(source), open_image, fetch) if is_url(source) else Path(source)
    name = shown(path)
    try:
        regular_file(path)
        with project_pixel_limit(), Image.open(path) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                raise NSTError(
                    f"{name} is {width}x{height} px ({width * height / 1e6:.0f} megapixels), over the "
                    f"{MAX_PIXELS / 1e6:g}-megapixel limit (a decompression bomb?); shrink it first"
                )
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except PermissionError:
        raise NSTError(
            f"cannot read {name}: permission denied; check its permissions or copy it somewhere readable"
        ) from None
    except UnidentifiedImageError:
        raise NSTError(f"{name} is not an image Pillow can read; use a PNG or JPEG file") from None
    except MemoryError:
        raise NSTError(
            f"{name} is too large to decode in the memory left; shrink it first"
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise NSTError(
            f"{name} is damaged or truncated ({exc}); export it again or use another file"
        ) from None
    return to_rgb(image, name)


def resize_long_side(
    image: Any,
    max_dim: int | None,
    upscale: bool = False,
    name: str = "the image",
    min_side: int = MIN_SIDE,
) -> Any:
    """Resize a Pillow image (or a ``(1, H, W, 3)`` float batch, per channel in float) with Lanczos so
    that the long side is ``max_dim`` pixels (None: kept), keeping the aspect ratio; the short side
    must stay at least ``min_side`` (notebook 02)."""
    is_batch = isinstance(image, np.ndarray)
    width, height = (image.shape[2], image.shape[1]) if is_batch else image.size
    scale = 1.0 if max_dim is None else max_dim / max(width, height)
    scale = scale if upscale else min(scale, 1.0)
    new = (max(1, round(width * scale)), max(1, round(height * scale)))
    if min(new) < min_side:
        if min(width, height) < min_side:
            advice = "use a larger image"
        else:
            needed = math.ceil(min_side * max(width, height) / min(width, height))
            advice = f"use max_dim {needed} or more, or crop it to a less elongated shape"
        raise NSTError(
            f"{name} is {width}x{height} px, so the network would see {new[0]}x{new[1]} px: each side must "
            f"be at least {min_side} px; {advice}"
        )
    if new == (width, height):
        return image
    if not is_batch:
        return image.resize(new, Image.Resampling.LANCZOS, reducing_gap=3.0)
    channels = (Image.fromarray(image[0, ..., c], "F") for c in range(3))
    resized = [np.asarray(c.resize(new, Image.Resampling.LANCZOS)) for c in channels]
    return np.clip(np.stack(resized, axis=-1), 0.0, 1.0)[np.newaxis].astype(np.float32)


def array_to_batch(array: Any, name: str = "the array") -> np.ndarray:
    """An array: ``(H, W)``, ``(H, W, 1|3|4)`` or a batch of one, as a float32 ``(1, H, W, 3)`` batch."""
    try:
        values = np.asarray(array)
    except Exception:
        raise NSTError(
            f"{name} of type {type(array).__name__} is not an image; pass a path, a PIL image or an array"
        ) from None
    if values.dtype == object or values.dtype.kind not in "biuf":
        raise NSTError(
            f"{name} has dtype {values.dtype}; pass numbers (uint8 0-255 or floats in [0, 1])"
        )
    shape = values.shape
    if values.ndim == 4:
        if shape[0] != 1:
            raise NSTError(
                f"{name} is a batch of {shape[0]} images {shape}; pass one image, such as image[:1]"
            )
        values = values[0]
    if values.ndim == 2:
        values = values[..., np.newaxis]
    if values.ndim != 3 or values.shape[-1] not in (1, 3, 4):
        channels_first = values.ndim == 3 and values.shape[0] in (1, 3, 4)
        hint = " (channels first? use np.moveaxis(image, 0, -1))" if channels_first else ""
        raise NSTError(f"{name} has shape {shape}; pass (H, W), (H, W, 3) or (1, H, W, 3){hint}")
    kind = values.dtype.kind
    if kind == "f":
        values = values.astype(np.float32)
        if not np.isfinite(values).all():
            raise NSTError(
                f"{name} has NaN or infinite values; replace them (np.nan_to_num) before passing it"
            )
        low, high = float(values.min(initial=np.inf)), float(values.max(initial=-np.inf))
        if low < -1e-3 or high > 1 + 1e-3:
            raise NSTError(
                f"{name} has float values from {low:g} to {high:g}; pass floats in [0, 1] (divide 0-255 values "
                "by 255) or a uint8 array"
            )
        values = np.clip(values, 0.0, 1.0)
    elif kind == "b":
        values = values.astype(np.float32)
    else:
        top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(values.dtype)
        if top is None:
            low, high = (int(values.min()), int(values.max())) if values.size else (0, 0)
            if low < 0 or high > 255:
                raise NSTError(
                    f"{name} has integer values from {low} to {high}; pass 0-255 values as uint8"
                )
            top = 255.0
        values = values.astype(np.float32) / top
    if values.shape[-1] == 1:
        values = np.repeat(values, 3, axis=-1)
    elif values.shape[-1] == 4:  # composite on white, as for transparent files
        alpha = values[..., 3:]
        values = values[..., :3] * alpha + (1.0 - alpha)
    return values[np.newaxis].astype(np.float32)


def load_image(
    source: Any,
    max_dim: int | None = DEFAULTS.max_dim,
    upscale: bool = False,
    min_side: int = MIN_SIDE,
    fetch: Fetch | None = None,
) -> np.ndarray:
    """Anything image-like (a path, shipped image or painting name, URL, Pillow image or array) as a
    float32 batch of one, shape ``(1, H, W, 3)``, values in [0, 1] (notebook 02)."""
    if isinstance(source, Image.Image):
        name = "the PIL image"
        image = to_rgb(ImageOps.exif_transpose(source), name)
    elif isinstance(source, (str, os.PathLike)):
        location = resolve_image(source)
        image, name = open_image(location, fetch), str(location)
    else:
        return resize_long_side(array_to_batch(source), max_dim, upscale, "the array", min_side)
    image = resize_long_side(image, max_dim, upscale, name, min_side)
    return np.asarray(image, np.float32)[np.newaxis] / 255.0


def to_uint8(image: Any) -> np.ndarray:
    """A ``(H, W, 3)`` uint8 array from a batch of one or a single image with values in [0, 1] (notebook 02)."""
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise NSTError(
                f"expected a batch of one image, got a batch of {array.shape[0]}; pass image[:1]"
            )
        array = array[0]
    if array.ndim != 3 or array.shape[-1] != 3:
        raise NSTError(f"expected an RGB image of shape (H, W, 3), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise NSTError(
            "the image has NaN or infinite pixels; it cannot be saved, rerun with a lower learning rate"
        )
    return np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)
