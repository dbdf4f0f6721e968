"""Finding images: by shipped name, by painting name, by path or by URL, with cached downloads
(shown in notebook 01). A :data:`Fetch` downloads: Keras' in the notebooks, a guarded one elsewhere."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse, urlsplit

from nst_helpers.core.errors import NSTError, shown


@dataclass(frozen=True)
class Painting:
    """A public-domain painting known by URL, with its attribution."""

    title: str
    artist: str
    year: str
    url: str


def _catalogue() -> dict:
    """``images/catalogue.json`` (the data package ``nst_images``): shipped files, paintings' URLs."""
    try:
        folder = Path(str(importlib.resources.files("nst_images")))
    except ModuleNotFoundError:
        raise NSTError(
            "the course's images (package nst_images) are not installed; reinstall the course"
        ) from None
    return json.loads((folder / "catalogue.json").read_text(encoding="utf-8"))


CATALOGUE = _catalogue()
PAINTINGS = {name: Painting(**p) for name, p in CATALOGUE["paintings"].items()}
SHIPPED: dict[str, str] = CATALOGUE["shipped"]


def is_url(source: object) -> bool:
    """True for ``http://`` and ``https://`` sources."""
    return isinstance(source, str) and urlparse(source).scheme in ("http", "https")


def images_dir() -> Path:
    """Where the shipped images live: ``$NST_IMAGES``, or the data package ``nst_images`` (``images/``)."""
    override = os.environ.get("NST_IMAGES")
    return Path(override) if override else Path(str(importlib.resources.files("nst_images")))


def keras_cache_dir() -> Path:
    """Keras' cache folder (``$KERAS_HOME``, by default ``~/.keras``)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))


# fetch(url, cached, check) -> path: download url to cached (or find it there), kept if check passes
Fetch = Callable[[str, Path, Callable[[Path], None]], Path]
_FAILED: dict[str, str] = {}  # what keras_fetch could not download in this session


def cache_name(url: str) -> str:
    """The cache file for ``url``: a hash of the whole URL, then its file name."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(urlsplit(url).path).name)[-80:] or "download"
    return f"{hashlib.sha256(url.encode()).hexdigest()[:12]}-{name}"


def keras_fetch(url: str, cached: Path, check: Callable[[Path], None]) -> Path:
    """Keras' downloader (the notebooks' default); a failure or a file failing ``check`` is an ``NSTError``."""
    import keras

    sub = cached.parent  # Keras caches in cache_dir/cache_subdir
    if url in _FAILED:  # once per session: a notebook says "Downloading data from" once
        raise NSTError(f"{_FAILED[url]} (it failed before in this session)")
    try:
        got = keras.utils.get_file(cached.name, url, cache_dir=sub.parent, cache_subdir=sub.name)
    except Exception as exc:
        _FAILED[url] = (
            f"cannot download {url}: {shown(exc, 200)}; check the address and the network"
        )
        raise NSTError(_FAILED[url]) from None
    path = Path(got)
    try:
        check(path)
    except NSTError as exc:
        path.unlink(missing_ok=True)
        raise NSTError(f"{url} was downloaded but {exc}; check the address") from None
    return path


def fetched_image(url: str, check: Callable[[Path], None], fetch: Fetch | None = None) -> Path:
    """An image by URL, cached in Keras' folder (``~/.keras/nst_images``) once per URL."""
    return (fetch or keras_fetch)(url, keras_cache_dir() / "nst_images" / cache_name(url), check)


def resolve_image(name_or_path: str | os.PathLike) -> str | Path:
    """A local path or URL for a file path, a URL, a shipped image name or a painting name (notebook 01)."""
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
