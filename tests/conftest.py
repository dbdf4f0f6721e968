"""Shared fixtures. Tests never download: Keras' cache points at an empty folder and downloads fail."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch, tmp_path_factory):
    """An empty Keras cache, and no name resolved but numeric addresses and localhost, as with no
    network: every download fails as it does offline, and the hostile server's tests reach only
    this machine's loopback addresses."""
    import socket

    from nst_helpers.plumbing import downloads

    home = tmp_path_factory.mktemp("keras_home")
    monkeypatch.setenv("KERAS_HOME", str(home))
    real = downloads.resolve_host

    def offline(host, port):
        try:
            socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            if host != "localhost":
                raise socket.gaierror(-3, "Temporary failure in name resolution") from None
        return real(host, port)

    monkeypatch.setattr(downloads, "resolve_host", offline)


def synthetic_photo(height: int = 96, width: int = 128, seed: int = 0) -> np.ndarray:
    """A [0, 1] batch of one with smooth shapes: a 'content' picture with objects in places."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    image = np.zeros((height, width, 3), np.float32)
    image[..., 0] = 0.5 + 0.4 * np.sin(6 * x + rng.uniform(0, 3))
    image[..., 1] = 0.5 + 0.4 * np.cos(5 * y + rng.uniform(0, 3))
    image[..., 2] = ((x - 0.4) ** 2 + (y - 0.3) ** 2 < 0.05).astype(np.float32)
    return image[np.newaxis]


def synthetic_texture(height: int = 96, width: int = 128, seed: int = 1) -> np.ndarray:
    """A [0, 1] batch of one with high-frequency colored stripes: a 'style'."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    stripes = 0.5 + 0.5 * np.sin((x + y) / 2.0)
    image = np.stack([stripes, 1 - stripes, 0.5 * rng.random((height, width))], axis=-1).astype(
        np.float32
    )
    return image[np.newaxis]


@pytest.fixture
def pictures(tmp_path):
    """Two small random image files (content 64x48 PNG, style 64x64 PNG) for command-line runs."""
    from PIL import Image

    rng = np.random.default_rng(0)
    content, style = tmp_path / "content.png", tmp_path / "style.png"
    Image.fromarray((rng.random((48, 64, 3)) * 255).astype(np.uint8)).save(content)
    Image.fromarray((rng.random((64, 64, 3)) * 255).astype(np.uint8)).save(style)
    return content, style


@pytest.fixture
def photo() -> np.ndarray:
    return synthetic_photo()


@pytest.fixture
def texture() -> np.ndarray:
    return synthetic_texture()


@pytest.fixture(scope="session")
def playground_url(tmp_path_factory):
    """The playground served by ``python -m nst_helpers app`` in a subprocess, on a free port of
    127.0.0.1, with an empty Keras cache (its runs here use random weights and shipped images)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("playground") / "server.log"
    env = {**os.environ, "KERAS_HOME": str(log.parent / "keras_home")}
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "nst_helpers", "app", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the playground did not start: {log.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def page_run() -> dict:
    """The playground's controls by name, in the order of its API (generated from the table of
    options): chelsea in swirls, tiny, random weights."""
    from nst_helpers.page.requests import CONTROLS, PlaygroundRequest

    tiny = PlaygroundRequest(architecture="vgg16", steps=3, max_dim=64, weights="none", seed=0)
    return dict(zip(CONTROLS, tiny.values()))


PAGE_RUN = page_run()


@pytest.fixture(scope="module")
def internal():
    """A hostile web server on this machine (127.0.0.1), which no page may ever reach."""
    from hostile import Hostile

    with Hostile("127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def outside():
    """A hostile web server that the ``as_public`` tests treat as an internet host (127.0.0.2)."""
    from hostile import Hostile

    with Hostile("127.0.0.2") as server:
        yield server


@pytest.fixture
def as_public(monkeypatch):
    """127.0.0.2 counts as a public address; 127.0.0.1 stays this machine's."""
    from nst_helpers.plumbing import downloads

    real = downloads.address_kind
    monkeypatch.setattr(
        downloads, "address_kind", lambda address: None if address == "127.0.0.2" else real(address)
    )


# The system's Chromium, driven by Playwright: the playground's and the course site's browser tests.
FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home from a machine without internet
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",  # a synthetic camera
    "--use-fake-ui-for-media-stream",  # and no permission prompt
]


def chromium() -> str | None:
    """The system's Chromium: $CHROMIUM, or chromium / chromium-browser / google-chrome on PATH."""
    names = [os.environ.get("CHROMIUM", ""), "chromium", "chromium-browser", "google-chrome"]
    return next((shutil.which(n) for n in names if n and shutil.which(n)), None)


@pytest.fixture(scope="module")
def browser():
    executable = chromium()
    if executable is None:
        pytest.skip(
            "no Chromium on this machine: the browser tests need one (apt-get install chromium, "
            "as .ci/run does, or set CHROMIUM to its path)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        yield browser
        browser.close()
