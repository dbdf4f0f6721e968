"""Load, convert, resize, save and show images (taught in notebooks 01 and 02).

Images travel through the course as float32 NumPy arrays of shape ``(1, height, width, 3)``:
a batch of one RGB image with values in [0, 1]. This module needs only Pillow and NumPy, so the
command line can check its inputs before it imports TensorFlow.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import urllib.request
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlparse

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import NSTError
from .files import write_atomically

MIN_SIDE = 32
"""Smallest side accepted: the deepest VGG layers need at least a few pixels to look at."""

MAX_PIXELS = 100_000_000
"""Largest image accepted (width times height), well above any camera, to refuse decompression bombs."""

SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def is_url(source: str | os.PathLike) -> bool:
    """True for ``http://`` and ``https://`` sources."""
    return isinstance(source, str) and urlparse(source).scheme in ("http", "https")


USER_AGENT = "nst-course/0.1 (neural style transfer course; Python urllib via keras.utils.get_file)"
"""Sent with image downloads: Wikimedia refuses urllib's default User-Agent and asks for a descriptive one."""


@contextlib.contextmanager
def descriptive_user_agent() -> Iterator[None]:
    """Make urllib (which ``keras.utils.get_file`` uses) send :data:`USER_AGENT`, then restore it."""
    previous = urllib.request._opener  # the installed opener, None by default
    opener = urllib.request.build_opener()
    opener.addheaders = [("User-Agent", USER_AGENT)]
    urllib.request.install_opener(opener)
    try:
        yield
    finally:
        urllib.request.install_opener(previous)


def fetch_url(url: str, cache_subdir: str = "nst_images") -> Path:
    """Download ``url`` once into Keras' cache (``~/.keras/<cache_subdir>``) and return the local path."""
    import keras  # imported here so that local images load without TensorFlow

    name = Path(urlparse(url).path).name or "image"
    fname = f"{hashlib.sha1(url.encode()).hexdigest()[:8]}-{name}"
    try:
        with descriptive_user_agent():
            return Path(keras.utils.get_file(fname, origin=url, cache_subdir=cache_subdir))
    except Exception as exc:  # get_file raises a bare Exception on network errors
        cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / cache_subdir / fname
        raise NSTError(
            f"cannot download {url} ({type(exc).__name__}); with no network, save the image as {cache} "
            "or pass a local file instead"
        ) from None


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB: transparency is composited on white, 16-bit is scaled."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        gray = np.asarray(image, dtype=np.float64)
        scale = 65535.0 if mode.startswith("I;16") or gray.max(initial=0) > 255 else 255.0
        gray8 = np.clip(np.round(gray / scale * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(gray8, "L").convert("RGB")
    if mode == "F":
        gray = np.asarray(image, dtype=np.float64)
        scale = 1.0 if gray.max(initial=0) <= 1.0 else 255.0
        gray8 = np.clip(np.round(gray / scale * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(gray8, "L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")  # L, 1, P, CMYK, YCbCr, LAB, HSV


def open_image(source: str | os.PathLike) -> Image.Image:
    """Open a path or URL as an upright 8-bit RGB Pillow image, or raise a one-line ``NSTError``."""
    path = fetch_url(str(source)) if is_url(source) else Path(source)
    if not path.exists():
        raise NSTError(f"image not found: {path}; check the path (or use a shipped image, see images/README.md)")
    if path.is_dir():
        raise NSTError(f"{path} is a folder, not an image; name an image file inside it")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise NSTError(
                        f"{path} is {width}x{height} px ({width * height / 1e6:.0f} megapixels), over the "
                        f"{MAX_PIXELS // 1_000_000}-megapixel limit; shrink it first"
                    )
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NSTError(f"{path} declares an enormous size (a decompression bomb?); use a smaller image") from None
    except UnidentifiedImageError:
        raise NSTError(f"{path} is not an image Pillow can read; use a PNG or JPEG file") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise NSTError(f"{path} is damaged or truncated ({exc}); export it again or use another file") from None
    if min(image.size) < MIN_SIDE:
        raise NSTError(
            f"{path} is {image.size[0]}x{image.size[1]} px; each side must be at least {MIN_SIDE} px, use a larger image"
        )
    return to_rgb(image)


def resize_long_side(image: Image.Image, max_dim: int | None) -> Image.Image:
    """Resize so that the longer side is ``max_dim`` pixels, keeping the aspect ratio (None: keep the size)."""
    if max_dim is None:
        return image
    if max_dim < MIN_SIDE:
        raise NSTError(f"max_dim={max_dim} is too small; use at least {MIN_SIDE} px")
    width, height = image.size
    scale = max_dim / max(width, height)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if new_size == image.size:
        return image
    return image.resize(new_size, Image.Resampling.LANCZOS)


def load_image(source: str | os.PathLike, max_dim: int | None = 512) -> np.ndarray:
    """Load a path or URL as a float32 batch of one, shape ``(1, H, W, 3)``, values in [0, 1].

    EXIF orientation is honoured, every mode becomes RGB, and the long side becomes ``max_dim``.
    """
    image = resize_long_side(open_image(source), max_dim)
    return np.asarray(image, dtype=np.float32)[np.newaxis] / 255.0


def to_uint8(image: Any) -> np.ndarray:
    """A ``(H, W, 3)`` uint8 array from a batch of one or a single image with values in [0, 1]."""
    array = np.asarray(image, dtype=np.float32)
    if array.ndim == 4:
        if array.shape[0] != 1:
            raise NSTError(f"expected a batch of one image, got a batch of {array.shape[0]}; pass image[:1]")
        array = array[0]
    if array.ndim != 3 or array.shape[-1] != 3:
        raise NSTError(f"expected an RGB image of shape (H, W, 3), got shape {array.shape}")
    if not np.isfinite(array).all():
        raise NSTError("the image has NaN or infinite pixels; it cannot be saved, rerun with a lower learning rate")
    return np.round(np.clip(array, 0.0, 1.0) * 255.0).astype(np.uint8)


def save_image(image: Any, path: str | os.PathLike, quality: int = 95) -> Path:
    """Save an image in [0, 1] as PNG or JPEG (by the file's suffix), atomically: never half-written."""
    path = Path(path)
    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise NSTError(f"cannot save {path}: use a .png, .jpg or .jpeg file name")
    pil = Image.fromarray(to_uint8(image), "RGB")
    options = {"quality": quality} if fmt == "JPEG" else {}
    return write_atomically(path, lambda tmp: pil.save(tmp, format=fmt, **options))


def show_images(
    images: Sequence[Any], titles: Sequence[str] | None = None, ncols: int | None = None, size: float = 4.0
) -> Any:
    """Show images in a row (or a grid of ``ncols`` columns) with titles; returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    images = list(images)
    titles = list(titles) if titles is not None else [""] * len(images)
    if len(titles) != len(images):
        raise NSTError(f"got {len(images)} images but {len(titles)} titles; pass one title per image")
    ncols = ncols or len(images)
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(to_uint8(image))
        ax.set_title(title)
    fig.tight_layout()
    return fig


def shuffle_patches(image: np.ndarray, patch: int, seed: int = 0) -> np.ndarray:
    """Cut a batch of one into ``patch`` x ``patch`` tiles and shuffle them (taught in notebook 01).

    Arrangement is destroyed, local statistics kept: style survives it, content does not. The image
    is cropped to a whole number of tiles.
    """
    if patch < 1 or patch > min(image.shape[1:3]):
        raise NSTError(f"patch={patch} must be between 1 and the image's short side ({min(image.shape[1:3])} px)")
    h, w = (image.shape[1] // patch) * patch, (image.shape[2] // patch) * patch
    tiles = image[0, :h, :w].reshape(h // patch, patch, w // patch, patch, 3).swapaxes(1, 2).reshape(-1, patch, patch, 3)
    tiles = tiles[np.random.default_rng(seed).permutation(len(tiles))]
    return tiles.reshape(h // patch, w // patch, patch, patch, 3).swapaxes(1, 2).reshape(1, h, w, 3)
