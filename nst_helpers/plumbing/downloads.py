"""Every download the course makes, under one policy: images by URL, paintings by name and ImageNet
weights (used by notebook 01's URLs, the command line and the playground).

A :class:`FetchPolicy` says what may be fetched: ``http`` and ``https`` only; a host whose addresses
are all public (no loopback, private, link-local, unique-local, multicast, reserved or unspecified
address, however the URL spells it), checked again at every redirect, with at most a few redirects
and never from ``https`` down to ``http``; a time limit for connecting and one for the whole
download; a size limit checked on ``Content-Length`` and while reading. The connection goes to the
very address that was checked, so a name cannot resolve to a public address for the check and to a
private one for the connection (through the system's proxy, which resolves the name again, this
holds as far as the proxy resolves names as this machine does). Name look-ups themselves have no
time limit of their own: the system's resolver bounds them. The playground always applies the
public-only rule; the command
line and the notebooks may allow the machine's own addresses (``--allow-private-urls``,
``policy.allowing_private()``).

A download is written to a temporary name and renamed only once it is whole (the bytes match the
announced length and the file passes its check), so a cut download leaves nothing and the next run
fetches again. Every failure is one ``NSTError`` line naming its cause.
"""

from __future__ import annotations

import errno
import http.client
import ipaddress
import math
import os
import select
import socket
import ssl
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable
from urllib.parse import quote, urljoin, urlsplit

from nst_helpers.core.errors import NSTError, StopRequested
from nst_helpers.core.sources import shown
from nst_helpers.plumbing.files import TEMP_SUFFIX, remove_stale_temporaries, temp_prefix

USER_AGENT = "nst-course/0.1 (neural style transfer course; Python http.client)"
"""Sent with every download: Wikimedia refuses clients that do not describe themselves."""

MB = 1_000_000
OFFLINE_ADVICE = "check the address and the network"
URL_SAFE = "/%:@!$&'()*+,;=?~-._"
"""Characters a URL's path and query keep as they are; others (spaces, non-ASCII) are %-escaped."""


class DownloadError(NSTError):
    """A download that failed, in one line; ``cause`` is the reason alone ("HTTP 404 Not Found")."""

    def __init__(self, url: str, cause: str, advice: str = "") -> None:
        self.url, self.cause = url, cause
        super().__init__(
            f"cannot download {_short(url)}: {cause}" + (f"; {advice}" if advice else "")
        )


@dataclass(frozen=True)
class FetchPolicy:
    """What one kind of download may do (see the module's docstring)."""

    max_bytes: int
    total_seconds: float
    connect_seconds: float = 10.0
    max_redirects: int = 3
    allow_private: bool = False

    def allowing_private(self) -> "FetchPolicy":
        """The same limits, with the machine's own and private addresses allowed (the person at the
        keyboard fetching from their own network; never the playground)."""
        return replace(self, allow_private=True)


IMAGE_DOWNLOADS = FetchPolicy(max_bytes=40 * MB, total_seconds=30.0)
"""An image: at most 40 MB, the playground's upload limit (a 24-megapixel photo is about 10 MB), in
at most 30 s, so that a slow server holds the playground's one worker for half a minute at most."""

WEIGHT_DOWNLOADS = FetchPolicy(max_bytes=128 * MB, total_seconds=900.0, connect_seconds=20.0)
"""ImageNet weights without the classifier: the largest file is ResNet50V2's (95 MB); 15 minutes
allows a slow classroom connection (about 1 Mbit/s) to finish it."""


def resolve_host(host: str, port: int) -> list[str]:
    """The host's addresses, as the system's resolver gives them (numeric forms included)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def address_kind(address: str) -> str | None:
    """Why an address is not a public internet address ("loopback", "private", ...), or None if it
    is public. IPv4 addresses embedded in IPv6 ones (mapped, 6to4, Teredo) are judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None:
            return address_kind(str(embedded))
    for kind in ("unspecified", "loopback", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    return None if ip.is_global else "not global"


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect and what to ask for."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def check_url(url: str, policy: FetchPolicy) -> Target:
    """The URL's checked target, or a one-line ``NSTError`` saying why it may not be fetched."""
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise DownloadError(url, "it has spaces or control characters", "give a plain web address")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise DownloadError(url, "only http:// and https:// addresses are fetched", "give one")
    try:
        host, port = parts.hostname, parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise DownloadError(url, "its port is not a number from 0 to 65535", "check it") from None
    if not host:
        raise DownloadError(url, "it names no host", "check the address")
    try:
        host = host.encode("idna").decode("ascii")  # "bücher.example" as the network spells it
    except UnicodeError:
        raise DownloadError(url, "its host is not a valid internet name", "check it") from None
    refusal = DownloadError(
        url,
        "its host is not a public internet address that can be reached (unknown, offline, or "
        "this machine's or its network's own)",
        "only public addresses are fetched here",
    )
    try:
        addresses = resolve_host(host, port)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        if not policy.allow_private:
            raise refusal from None  # the same line as for a private name: no map of names
        raise DownloadError(url, f"no such host ({_cause(exc)})", OFFLINE_ADVICE) from None
    if not policy.allow_private and (not addresses or any(map(address_kind, addresses))):
        raise refusal
    path = quote(parts.path or "/", safe=URL_SAFE) + (
        f"?{quote(parts.query, safe=URL_SAFE)}" if parts.query else ""
    )  # "bild-ü.png" sent as "bild-%C3%BC.png"; what is already escaped stays as it is
    return Target(url, scheme, host, port, path, tuple(addresses))


def redirect_url(current: str, location: str) -> str:
    """Where a redirect leads, or a one-line ``NSTError``: only http(s), and never https -> http."""
    new = urljoin(current, location.strip())
    old_scheme, new_scheme = urlsplit(current).scheme.lower(), urlsplit(new).scheme.lower()
    if new_scheme not in ("http", "https") or (old_scheme == "https" and new_scheme != "https"):
        raise DownloadError(
            current, f"it redirects to {_short(new)}", "only redirects to https:// are followed"
        )
    return new


class _Watch:
    """Closes a download's socket when Stop is pressed or the time is up, so that nothing, not even a
    server that sends one byte a minute, holds a download past its limit."""

    def __init__(self, deadline: float, stop: Callable[[], bool] | None) -> None:
        self.deadline, self.stop = deadline, stop or (lambda: False)
        self.sock: socket.socket | None = None
        self.reason: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nst-download-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.1):
            if self.stop():
                self.reason = "stopped"
            elif time.monotonic() > self.deadline:
                self.reason = "timed out"
            else:
                continue
            if self.sock is not None:
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            return

    def check(self) -> None:
        if self.stop():
            self.reason = "stopped"
        elif time.monotonic() > self.deadline:
            self.reason = "timed out"
        if self.reason:
            raise _Interrupted(self.reason)

    def close(self) -> None:
        self._done.set()


class _Interrupted(Exception):
    pass


def _connect(
    addresses: tuple[str, ...], port: int, policy: FetchPolicy, watch: _Watch
) -> socket.socket:
    """A socket connected to one of ``addresses`` (checked ones: the name is not resolved again),
    in short slices that Stop and the time limit can interrupt."""
    errors = []
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setblocking(False)
        limit = time.monotonic() + policy.connect_seconds
        try:
            code = sock.connect_ex((address, port))
            while code in (errno.EINPROGRESS, errno.EALREADY, errno.EAGAIN):
                watch.check()
                if time.monotonic() > limit:
                    raise TimeoutError(f"no answer within {policy.connect_seconds:g} s")
                _, writable, _ = select.select([], [sock], [], 0.1)
                if writable:
                    code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    break
            if code:
                raise OSError(code, os.strerror(code))
            sock.setblocking(True)
            sock.settimeout(policy.total_seconds)
            watch.sock = sock
            return sock
        except (OSError, _Interrupted) as exc:
            sock.close()
            if isinstance(exc, _Interrupted):
                raise
            errors.append(exc)
    raise errors[-1] if errors else OSError("no address to connect to")


def proxy_for(target: Target) -> tuple[str, int] | None:
    """The proxy the system asks for this target (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``, as
    urllib reads them), or None. Schools often require one; it is the administrator's, so it may
    be a private address, and the target's own addresses were checked all the same."""
    proxy = urllib.request.getproxies().get(target.scheme)
    if not proxy or urllib.request.proxy_bypass(target.host):
        return None
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return (parts.hostname or "", parts.port or 8080) if parts.hostname else None


def _tunnel(sock: socket.socket, target: Target) -> None:
    """Ask an HTTP proxy for a tunnel to the target (CONNECT), for https through a proxy."""
    where = f"{host_header(target.host)}:{target.port}"
    sock.sendall(f"CONNECT {where} HTTP/1.1\r\nHost: {where}\r\n\r\n".encode("ascii"))
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk or len(answer) > 65536:
            raise OSError("the proxy closed the connection")
        answer += chunk
    status = answer.split(b"\r\n", 1)[0].decode("latin-1")
    if status.split()[1:2] != ["200"]:
        raise OSError(f"the proxy refused the tunnel ({status})")


def host_header(host: str) -> str:
    """A host as an HTTP header names it: IPv6 addresses in brackets."""
    return f"[{host}]" if ":" in host else host


def _open(
    target: Target, policy: FetchPolicy, watch: _Watch
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    """Send the GET request (directly, or through the system's proxy); returns the connection and
    the response, its headers read (close the connection when done)."""
    proxy = proxy_for(target)
    path = target.path
    if proxy is None:
        sock = _connect(target.addresses, target.port, policy, watch)
    else:
        sock = _connect(tuple(resolve_host(*proxy)), proxy[1], policy, watch)
        if target.scheme == "https":
            _tunnel(sock, target)
        else:  # a plain-HTTP proxy takes the whole address
            path = f"http://{host_header(target.host)}:{target.port}{target.path}"
    if target.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=target.host)
        watch.sock = sock
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            target.host, target.port
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port)
    connection.sock = sock
    default_port = 443 if target.scheme == "https" else 80
    host = host_header(target.host)
    connection.request(
        "GET",
        path,
        headers={
            "Host": host if target.port == default_port else f"{host}:{target.port}",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
            "Connection": "close",
        },
    )
    return connection, connection.getresponse()


def _read_body(
    response: http.client.HTTPResponse,
    url: str,
    policy: FetchPolicy,
    out: BinaryIO,
    watch: _Watch,
) -> None:
    """Copy the body into ``out`` within the size limit; a body shorter than announced is an error."""
    announced = response.getheader("Content-Length")
    length = int(announced) if announced and announced.strip().isdigit() else None
    if length is not None and length > policy.max_bytes:
        raise DownloadError(
            url,
            f"it is {math.ceil(length / MB * 10) / 10:g} MB, over the {policy.max_bytes / MB:g} MB limit",
            "use a smaller file",
        )
    received = 0
    while True:
        watch.check()
        try:
            chunk = response.read(64 * 1024)
        except http.client.IncompleteRead as exc:
            chunk = exc.partial
            received += len(chunk)
            break
        if not chunk:
            break
        received += len(chunk)
        if received > policy.max_bytes:
            raise DownloadError(
                url, f"it is over the {policy.max_bytes / MB:g} MB limit", "use a smaller file"
            )
        out.write(chunk)
    watch.check()  # a socket closed by the watch reads as the end of the body
    if length is not None and received != length:
        raise DownloadError(url, f"cut short after {received} of {length} bytes", "try again")


def download(
    url: str,
    target: Path,
    policy: FetchPolicy = IMAGE_DOWNLOADS,
    check: Callable[[Path], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Path:
    """Download ``url`` to ``target`` under ``policy``, all or nothing: the bytes go to a temporary
    file beside it, which ``check`` (if given) may reject with an ``NSTError`` saying what the file
    is not ("it is not an image ..."), and are renamed to
    ``target`` only when whole. ``stop()`` returning True ends the download within a fraction of a
    second. Raises a one-line ``NSTError`` naming the cause."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target.parent)
        fd, name = tempfile.mkstemp(prefix=temp_prefix(), suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise NSTError(
            f"cannot save the download of {_short(url)} in {target.parent}: {_cause(exc)}; "
            "check that folder's permissions and free space"
        ) from None
    tmp = Path(name)
    watch = _Watch(time.monotonic() + policy.total_seconds, stop)
    current = url
    try:
        with os.fdopen(fd, "wb") as out:
            for _ in range(policy.max_redirects + 1):
                connection, response = _open(check_url(current, policy), policy, watch)
                try:
                    if response.status in (301, 302, 303, 307, 308):
                        current = redirect_url(current, response.getheader("Location") or "")
                        continue
                    if response.status != 200:
                        raise DownloadError(
                            url, f"HTTP {response.status} {response.reason}", "check the address"
                        )
                    _read_body(response, url, policy, out, watch)
                    break
                finally:
                    connection.close()
            else:
                raise DownloadError(url, f"more than {policy.max_redirects} redirects")
        if check is not None:
            try:
                check(tmp)
            except NSTError as exc:  # the check says what the file is not
                raise DownloadError(url, str(exc), "check the address") from None
        os.replace(tmp, target)
        return target
    except (OSError, http.client.HTTPException, _Interrupted) as exc:
        raise _failure(url, exc, watch.reason, policy) from None
    except (UnicodeError, ValueError):  # a header or address that cannot be sent as it is
        raise DownloadError(url, "the address or its redirect cannot be sent as it is") from None
    finally:
        watch.close()
        tmp.unlink(missing_ok=True)


def _failure(
    url: str, exc: BaseException, interrupted: str | None, policy: FetchPolicy
) -> NSTError:
    """The one line for a failed download: stopped, timed out, TLS, a file error or the network."""
    if interrupted == "stopped":
        return StopRequested(f"stopped while downloading {_short(url)}")
    if interrupted or isinstance(exc, TimeoutError):
        return DownloadError(
            url, f"timed out (limit {policy.total_seconds:g} s)", "try again later"
        )
    if isinstance(exc, ssl.SSLError):
        return DownloadError(
            url,
            f"TLS failed ({_cause(exc)})",
            "a network that inspects secure connections (as many schools do) blocks this",
        )
    if isinstance(exc, OSError) and exc.filename is not None:
        return NSTError(
            f"cannot save the download of {_short(url)} as {exc.filename}: {_cause(exc)}"
        )
    return DownloadError(url, _cause(exc), OFFLINE_ADVICE)


def cached_download(
    url: str,
    cached: Path,
    policy: FetchPolicy,
    check: Callable[[Path], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Path:
    """``cached`` if it is there and passes ``check``, else :func:`download` into it. A cached file
    that fails its check (a damaged copy) is removed and fetched again."""
    if cached.is_file():
        try:
            if check is not None:
                check(cached)
            return cached
        except NSTError:
            cached.unlink(missing_ok=True)
    return download(url, cached, policy, check, stop)


def _short(url: str) -> str:
    """A URL as messages show it: one line, at most 100 characters."""
    return shown(url, 100)


def _cause(exc: BaseException) -> str:
    """An exception's cause in a few words, on one line."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or "certificate verify failed"
    text = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
    text = str(text).strip().splitlines()[0] if str(text).strip() else type(exc).__name__
    return text[:200]
