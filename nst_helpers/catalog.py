"""The images the course uses by name (shown in notebook 01).

``SHIPPED`` images are files in the repository's ``images/`` folder (sources and licenses in
``images/README.md``). ``PAINTINGS`` are famous public-domain works fetched by URL where there is
internet (Colab), cached by Keras on first use; offline, asking for one is an error naming the URL.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import NSTError
from .images import is_url


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
        "The Starry Night", "Vincent van Gogh", "1889",
        f"{_WIKIMEDIA}/e/ea/Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg/"
        "1280px-Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg",
    ),
    "great_wave": Painting(
        "The Great Wave off Kanagawa", "Katsushika Hokusai", "c. 1831",
        f"{_WIKIMEDIA}/0/0d/Great_Wave_off_Kanagawa2.jpg/1280px-Great_Wave_off_Kanagawa2.jpg",
    ),
    "composition_vii": Painting(
        "Composition VII", "Wassily Kandinsky", "1913",
        "https://storage.googleapis.com/download.tensorflow.org/example_images/"
        "Vassily_Kandinsky%2C_1913_-_Composition_7.jpg",
    ),
    "the_scream": Painting(
        "The Scream", "Edvard Munch", "1893",
        f"{_WIKIMEDIA}/c/c5/Edvard_Munch%2C_1893%2C_The_Scream%2C_oil%2C_tempera_and_pastel_on_cardboard%2C_91_x_73_cm"
        "%2C_National_Gallery_of_Norway.jpg/1280px-Edvard_Munch%2C_1893%2C_The_Scream%2C_oil%2C_tempera_and_pastel"
        "_on_cardboard%2C_91_x_73_cm%2C_National_Gallery_of_Norway.jpg",
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


def images_dir() -> Path:
    """The repository's ``images/`` folder (or ``$NST_IMAGES``), where the shipped images live."""
    override = os.environ.get("NST_IMAGES")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "images"


def resolve_image(name_or_path: str | os.PathLike) -> str | Path:
    """A local path or URL for a file path, a URL, a shipped image name or a painting name."""
    if is_url(name_or_path):
        return str(name_or_path)
    key = str(name_or_path)
    if key in SHIPPED:
        path = images_dir() / SHIPPED[key]
        if not path.is_file():
            raise NSTError(f"shipped image {key!r} is missing at {path}; clone the repository or set NST_IMAGES")
        return path
    if key in PAINTINGS:
        return PAINTINGS[key].url
    path = Path(name_or_path)
    if path.exists() or os.sep in key or path.suffix:
        return path  # load_image reports a missing file with its path
    known = ", ".join(list(SHIPPED) + list(PAINTINGS))
    raise NSTError(f"{key!r} is not a file, a URL or a known image; known images: {known}")
