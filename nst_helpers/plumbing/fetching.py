"""The guarded downloads the command line and the page hand the core (a ``sources.Fetch``): the
limits and address checks of :mod:`nst_helpers.plumbing.downloads`, and the page's Stop."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PIL import Image, UnidentifiedImageError

from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import MAX_PIXELS, project_pixel_limit
from nst_helpers.core.sources import Fetch, cache_name, keras_cache_dir
from nst_helpers.plumbing.downloads import (
    IMAGE_DOWNLOADS,
    WEIGHT_DOWNLOADS,
    DownloadError,
    FetchPolicy,
    cached_download,
    download,
)


def check_image_file(path: Path, max_pixels: int = MAX_PIXELS) -> None:
    """Raise a one-line ``NSTError`` unless ``path`` is a whole image of at most ``max_pixels`` (a
    download's check: the message follows "... was downloaded but")."""
    try:
        with project_pixel_limit(), Image.open(path) as opened:
            width, height = opened.size
            if width * height > max_pixels:
                raise NSTError(
                    f"it is {width}x{height} px, over the {max_pixels / 1e6:g}-megapixel limit"
                )
            opened.load()
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as exc:
        raise NSTError(f"it is not a whole image Pillow can read ({type(exc).__name__})") from None


def guarded(
    policy: FetchPolicy = WEIGHT_DOWNLOADS, stop: Callable[[], bool] | None = None
) -> Fetch:
    """A ``Fetch`` under ``policy`` that ``stop()`` interrupts (the ImageNet weights, by default)."""

    def fetch(url: str, cached: Path, check: Callable[[Path], None]) -> Path:
        return cached_download(url, cached, policy, check, stop)

    return fetch


def fetch_url(
    url: str,
    check: Callable[[Path], None] | None = check_image_file,
    policy: FetchPolicy = IMAGE_DOWNLOADS,
    stop: Callable[[], bool] | None = None,
    folder: Path | None = None,
) -> Path:
    """Download an image under ``policy`` (public addresses only, by default) and return its path.

    Into Keras' cache folder (``~/.keras/nst_images``), once per URL, by default; into ``folder``,
    not cached, when given (the playground's own folder of a visitor's run). ``check`` rejects a
    download that is not an image; only whole, checked files are ever kept.
    """
    if folder is not None:
        return download(url, folder / cache_name(url), policy, check, stop)
    cached = keras_cache_dir() / "nst_images" / cache_name(url)
    try:
        return cached_download(url, cached, policy, check, stop)
    except DownloadError as exc:
        raise DownloadError(
            url, exc.cause, f"offline, save the image as {cached} or pass a local file"
        ) from None
