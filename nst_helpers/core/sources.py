"""Finding images: by shipped name, by painting name, by path or by URL, with cached downloads
(shown in notebook 01).

``SHIPPED`` images are files in the course's ``images/`` folder (sources and licenses in
``images/README.md``). ``PAINTINGS`` are famous public-domain works fetched by URL where there is
internet (Colab), cached on first use; offline, asking for one is an error naming the URL. Every
download follows one policy (``nst_helpers.plumbing.downloads``).
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from nst_helpers.core.errors import NSTError
from nst_helpers.plumbing.downloads import (
    IMAGE_DOWNLOADS,
    DownloadError,
    FetchPolicy,
    cache_name,
    cached_download,
    download,
)


@dataclass(frozen=True)
class Painting:
    """A public-domain painting known by URL, with its attribution."""

    title: str
    artist: str
    year: str
    url: str


_WIKIMEDIA = "https://upload.wikimedia.org/wikipedia/commons/thumb"

PAINTINGS: dict[str, Painting] = {
    "starry_night": Painting(
        "The Starry Night",
        "Vincent van Gogh",
        "1889",
        f"{_WIKIMEDIA}/e/ea/Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg/"
        "1280px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",
    ),
    "great_wave": Painting(
        "The Great Wave off Kanagawa",
        "Katsushika Hokusai",
        "c. 1831",
        f"{_WIKIMEDIA}/0/0d/Great_Wave_off_Kanagawa2.jpg/1280px-Great_Wave_off_Kanagawa2.jpg",
    ),
    "composition_vii": Painting(
        "Composition VII",
        "Wassily Kandinsky",
        "1913",
        "https://storage.googleapis.com/download.tensorflow.org/example_images/"
        "Vassily_Kandinsky%2C_1913_-_Composition_7.jpg",
    ),
    "the_scream": Painting(
        "The Scream",
        "Edvard Munch",
        "1893",
        f"{_WIKIMEDIA}/c/c5/Edvard_Munch%2C_1893%2C_The_Scream%2C_oil%2C_tempera_and_pastel_on_"
        "cardboard%2C_91_x_73_cm%2C_National_Gallery_of_Norway.jpg/1280px-Edvard_Munch%2C_1893%2C_"
        "The_Scream%2C_oil%2C_tempera_and_pastel_on_cardboard%2C_91_x_73_cm%2C_National_Gallery_of_"
        "Norway.jpg",
    ),
}

SHIPPED: dict[str, str] = {
    "astronaut": "content/astronaut.png",
    "chelsea": "content/chelsea.png",
    "coffee": "content/coffee.png",
    "rocket": "content/rocket.jpg",
    "china": "content/china.jpg",
    "flower": "content/flower.jpg",
    "hubble": "style/hubble_deep_field.jpg",
    "ihc": "style/ihc.png",
    "swirls": "style/swirls.png",
}
"""Shipped images by name: content photos, then style images."""


def is_url(source: object) -> bool:
    """True for ``http://`` and ``https://`` sources."""
    return isinstance(source, str) and urlparse(source).scheme in ("http", "https")


def images_dir() -> Path:
    """Where the shipped images live: the installed data package ``nst_images`` (the repository's
    ``images/`` folder), or ``$NST_IMAGES``."""
    override = os.environ.get("NST_IMAGES")
    if override:
        return Path(override)
    try:
        return Path(str(importlib.resources.files("nst_images")))
    except ModuleNotFoundError:
        raise NSTError(
            "the course's images (package nst_images) are not installed; reinstall the course"
        ) from None


def keras_cache_dir() -> Path:
    """Keras' cache folder (``$KERAS_HOME``, by default ``~/.keras``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))


def fetch_url(
    url: str,
    check: Callable[[Path], None] | None = None,
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


def resolve_image(name_or_path: str | os.PathLike) -> str | Path:
    """A local path or URL for a file path, a URL, a shipped image name or a painting name."""
    if is_url(name_or_path):
        return str(name_or_path)
    key = str(name_or_path)
    if key in SHIPPED:
        path = images_dir() / SHIPPED[key]
        if not path.is_file():
            raise NSTError(
                f"shipped image {key!r} is missing at {path}; reinstall the course or set NST_IMAGES"
            )
        return path
    if key in PAINTINGS:
        return PAINTINGS[key].url
    path = Path(name_or_path)
    try:
        exists = path.exists()
    except PermissionError:
        raise NSTError(
            f"cannot read {key[:200]!r}: permission denied; check the permissions of its folders"
        ) from None
    except OSError as exc:  # a name too long for the file system, for example
        raise NSTError(
            f"cannot use {key[:60]!r} as an image path: {exc.strerror or exc}; check the name"
        ) from None
    if exists or os.sep in key or path.suffix:
        return path  # opening it reports a missing file with its path
    known = ", ".join(list(SHIPPED) + list(PAINTINGS))
    raise NSTError(f"{key!r} is not a file, a URL or a known image; known images: {known}")
