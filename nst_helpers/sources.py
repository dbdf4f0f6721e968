"""Finding images: by shipped name, by painting name, by path or by URL, with cached downloads
(shown in notebook 01).

``SHIPPED`` images are files in the course's ``images/`` folder (sources and licenses in
``images/README.md``). ``PAINTINGS`` are famous public-domain works fetched by URL where there is
internet (Colab), cached by Keras on first use; offline, asking for one is an error naming the URL.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.resources
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

from .errors import NSTError


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

USER_AGENT = "nst-course/0.1 (neural style transfer course; Python urllib via keras.utils.get_file)"
"""Sent with image downloads: Wikimedia refuses urllib's default User-Agent and asks for a descriptive one."""


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


def download_failure(exc: BaseException) -> tuple[str, bool]:
    """The cause of a failed ``keras.utils.get_file`` download in a few words, and whether it was the
    server's answer (an HTTP error: check the URL) rather than the network (no connection)."""
    text = str(exc).strip() or type(exc).__name__
    if " -- " in text:  # Keras: "URL fetch failure on URL: CODE -- REASON"
        code, cause = text.rsplit(": ", 1)[-1].split(" -- ", 1)
        if code.isdigit():
            return f"HTTP {code} {cause}", True
        return cause, False
    return text, False


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
        cause, from_server = download_failure(exc)
        if from_server:
            advice = "check the URL, or pass a local file instead"
        else:
            cache = keras_cache_dir() / cache_subdir / fname
            advice = f"with no network, save the image as {cache} or pass a local file instead"
        raise NSTError(f"cannot download {url}: {cause}; {advice}") from None


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
    except OSError as exc:  # a name too long for the file system, for example
        raise NSTError(
            f"cannot use {key[:60]!r} as an image path: {exc.strerror or exc}; check the name"
        ) from None
    if exists or os.sep in key or path.suffix:
        return path  # opening it reports a missing file with its path
    known = ", ".join(list(SHIPPED) + list(PAINTINGS))
    raise NSTError(f"{key!r} is not a file, a URL or a known image; known images: {known}")
