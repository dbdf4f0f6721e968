"""A hostile web server for the download and playground tests, on a loopback address only.

Its pages: ``/photo.png`` (a small image), ``/secret.png`` (an "internal" image that no page may
ever show), ``/slow`` (one byte every half second), ``/hang`` (headers, then nothing), ``/huge``
(announces 300 MB), ``/endless`` (no length, zeros without end), ``/cut`` (announces twice the
PNG's length, sends half of it and closes), ``/flaky`` (cut the first time, whole the next),
``/big.png`` (100 megapixels), ``/text`` (not an image), ``/bytes?n=N`` (N zero bytes), ``/redirect?to=URL`` (302) and ``/loop`` (redirects without end). Every request is counted by path in ``server.hits``. Everything
it sends is bounded: slow pages stop when the server stops, and each handler ends within 60 s.
"""

from __future__ import annotations

import functools
import io
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
from PIL import Image

HANDLER_SECONDS = 60.0


def png_bytes(size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A small random PNG."""
    pixels = (np.random.default_rng(seed).random((size[1], size[0], 3)) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


PHOTO = png_bytes(seed=1)


@functools.cache
def big_png() -> bytes:
    """A 100-megapixel PNG of one colour: small to send, costly to decode."""
    buffer = io.BytesIO()
    Image.new("L", (10_000, 10_000)).save(buffer, format="PNG")
    return buffer.getvalue()


SECRET = png_bytes(seed=2)


class Hostile(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), Handler)
        self.hits: Counter[str] = Counter()
        self.agents: list[str | None] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "Hostile":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: Hostile

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def send(self, body: bytes, kind: str = "image/png", length: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def trickle(self, deadline: float, chunk: bytes, pause: float) -> None:
        while not self.server.stopping.is_set() and time.monotonic() < deadline:
            self.wfile.write(chunk)
            self.wfile.flush()
            time.sleep(pause)

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        parts = urlsplit(self.path)
        self.server.hits[parts.path] += 1
        self.server.agents.append(self.headers.get("User-Agent"))
        deadline = time.monotonic() + HANDLER_SECONDS
        try:
            if parts.path == "/photo.png":
                self.send(PHOTO)
            elif parts.path == "/secret.png":
                self.send(SECRET)
            elif parts.path == "/big.png":  # 10000 x 10000 px in a few hundred kB
                self.send(big_png())
            elif parts.path == "/text":
                self.send(b"this is not an image", "text/plain")
            elif parts.path == "/slow":
                self.send_response(200)
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                self.trickle(deadline, b"\x89", 0.5)
            elif parts.path == "/hang":
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                self.wfile.flush()
                self.server.stopping.wait(HANDLER_SECONDS)
            elif parts.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Length", str(300 * 1024 * 1024))
                self.end_headers()
                self.trickle(deadline, b"\0" * 65536, 0.0)
            elif parts.path == "/endless":
                self.send_response(200)
                self.end_headers()  # no length: the body ends when the server closes
                self.trickle(deadline, b"\0" * 65536, 0.0)
            elif parts.path == "/cut":
                self.send(PHOTO[: len(PHOTO) // 2], length=len(PHOTO) * 2)
            elif parts.path == "/flaky":  # cut short the first time, whole the next
                if self.server.hits[parts.path] % 2:
                    self.send(PHOTO[: len(PHOTO) // 2], length=len(PHOTO))
                else:
                    self.send(PHOTO)
            elif parts.path == "/bytes":  # ?n: exactly n bytes (announced), or ?n&unannounced
                query = parse_qs(parts.query, keep_blank_values=True)
                n = int(query["n"][0])
                self.send_response(200)
                if "unannounced" not in query:
                    self.send_header("Content-Length", str(n))
                self.end_headers()
                for start in range(0, n, 1 << 20):
                    self.wfile.write(b"\0" * min(1 << 20, n - start))
            elif parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", parse_qs(parts.query)["to"][0])
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif parts.path == "/loop":
                self.send_response(302)
                self.send_header("Location", f"/loop?{int(parts.query or 0) + 1}")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass
