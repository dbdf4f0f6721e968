"""One fetch policy for every download: the rules on a table of URLs and redirects, then real
downloads from hostile servers on this machine's loopback addresses (tests/hostile.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from dataclasses import replace

import pytest
from hostile import PHOTO

from nst_helpers.core import weights
from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import load_image
from nst_helpers.core.sources import cache_name
from nst_helpers.plumbing import downloads
from nst_helpers.plumbing.downloads import (
    IMAGE_DOWNLOADS,
    WEIGHT_DOWNLOADS,
    FetchPolicy,
    address_kind,
    cached_download,
    check_url,
    download,
    redirect_url,
)
from nst_helpers.plumbing.fetching import check_image_file, fetch_url, guarded

NAMES = {  # what a made-up resolver answers: no name is ever looked up on the network here
    "photos.example": ["93.184.216.34"],
    "intranet.example": ["10.1.2.3"],
    "rebinding.example": ["93.184.216.34", "127.0.0.1"],  # one public, one not: refused
    "metadata.google.internal": ["169.254.169.254"],
    "v6.example": ["2606:4700::1111"],
}


@pytest.fixture
def names(monkeypatch):
    real = downloads.resolve_host

    def resolve(host, port):
        if host in NAMES:
            return NAMES[host]
        return real(host, port)  # numeric forms only (the conftest resolver); others fail

    monkeypatch.setattr(downloads, "resolve_host", resolve)


PUBLIC = [
    "https://photos.example/a.jpg",
    "http://photos.example:8080/a.jpg?size=large",
    "https://v6.example/a.png",
    "https://user:secret@photos.example/a.jpg",
    "HTTPS://PHOTOS.EXAMPLE/a.jpg",
]

NOT_PUBLIC = [  # every way a URL can spell this machine, its network or the cloud's metadata
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/secret.png",
    "http://localhost:8080/",
    "http://LOCALHOST/",
    "http://127.1/",
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f000001/",
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",  # octal
    "http://0/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:a01:203]/",  # mapped 10.1.2.3
    "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[ff02::1]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.2.1/",  # documentation range
    "http://intranet.example/",
    "http://rebinding.example/",
    "http://user@127.0.0.1/",
    "http://photos.example@127.0.0.1/",  # the host is what follows the @
    "http://no-such-host.invalid/",  # unknown: the same line, so names cannot be probed
]

NOT_WEB = [
    "ftp://photos.example/a.jpg",
    "file:///etc/passwd",
    "gopher://photos.example/",
    "javascript:alert(1)",
    "data:image/png;base64,AAAA",
    "http:///a.jpg",
    "http://photos.example:99999/a.jpg",
    "http://photos.example/a b.jpg",
    "http://photos.example/\na.jpg",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_addresses_are_allowed(names, url):
    target = check_url(url, IMAGE_DOWNLOADS)
    assert target.addresses and not any(map(address_kind, target.addresses))


@pytest.mark.parametrize("url", NOT_PUBLIC)
def test_every_spelling_of_a_non_public_address_is_refused_in_the_same_line(names, url):
    with pytest.raises(NSTError) as caught:
        check_url(url, IMAGE_DOWNLOADS)
    assert str(caught.value).endswith(
        ": its host is not a public internet address that can be reached (unknown, offline, or "
        "this machine's or its network's own); only public addresses are fetched here"
    )


@pytest.mark.parametrize("url", NOT_WEB)
def test_only_http_and_https_addresses_are_fetched(names, url):
    with pytest.raises(NSTError) as caught:
        check_url(url, IMAGE_DOWNLOADS)
    assert "\n" not in str(caught.value)


def test_the_person_at_the_keyboard_may_allow_this_machine(names):
    assert check_url("http://127.0.0.1:8080/a.png", IMAGE_DOWNLOADS.allowing_private()).addresses
    assert not IMAGE_DOWNLOADS.allow_private


@pytest.mark.parametrize(
    "address, kind",
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:a00:1::", "private"),
        ("10.0.0.1", "private"),
        ("fd12::1", "private"),
        ("fe80::1%eth0", "link-local"),
        ("169.254.169.254", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "not global"),
    ],
)
def test_address_kinds(address, kind):
    assert address_kind(address) == kind


@pytest.mark.parametrize(
    "current, location, expected",
    [
        ("http://a.example/x", "https://b.example/y", "https://b.example/y"),
        ("https://a.example/x", "https://b.example/y", "https://b.example/y"),
        ("http://a.example/x", "http://b.example/y", "http://b.example/y"),
        ("https://a.example/dir/x", "y.png", "https://a.example/dir/y.png"),
        ("https://a.example/x", "//b.example/y", "https://b.example/y"),
        ("https://a.example/x", "http://b.example/y", None),  # never down from https
        ("http://a.example/x", "ftp://b.example/y", None),
        ("https://a.example/x", "file:///etc/passwd", None),
        ("https://a.example/x", "gopher://b.example/", None),
    ],
)
def test_redirects_go_to_web_addresses_and_never_down_from_https(current, location, expected):
    if expected is None:
        with pytest.raises(NSTError, match="only redirects to https:// are followed"):
            redirect_url(current, location)
    else:
        assert redirect_url(current, location) == expected


# Real downloads from the hostile servers ---------------------------------------------------------


QUICK = FetchPolicy(max_bytes=2_000_000, total_seconds=3.0, connect_seconds=2.0, allow_private=True)


def fails(url, folder, policy=QUICK, **options) -> tuple[str, float]:
    """Download ``url`` into ``folder``: it must fail in one line; returns the line and the time."""
    start = time.monotonic()
    with pytest.raises(NSTError) as caught:
        download(url, folder / "x.png", policy, check_image_file, **options)
    message = str(caught.value)
    assert "\n" not in message
    return message, time.monotonic() - start


def test_a_whole_image_is_kept_and_says_who_asked(internal, tmp_path):
    path = download(f"{internal.base}/photo.png", tmp_path / "photo.png", QUICK, check_image_file)
    assert path.read_bytes() == PHOTO
    assert internal.agents[-1] == downloads.USER_AGENT
    assert [p.name for p in tmp_path.iterdir()] == ["photo.png"]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/slow", "timed out (limit 3 s)"),  # one byte every half second
        ("/hang", "timed out (limit 3 s)"),  # headers, then nothing
        ("/huge", "it is 314.6 MB, over the 2 MB limit"),  # refused on Content-Length
        ("/endless", "it is over the 2 MB limit"),  # no length: refused while reading
        ("/cut", "cut short after"),
        ("/text", "it is not a whole image Pillow can read"),
        ("/missing", "HTTP 404 Not Found"),
        ("/loop", "more than 3 redirects"),
        ("/redirect?to=ftp://127.0.0.1/a.png", "it redirects to ftp://127.0.0.1/a.png; only"),
    ],
)
def test_each_failure_is_one_line_within_the_time_limit_and_leaves_nothing(
    internal, tmp_path, path, expected
):
    message, seconds = fails(f"{internal.base}{path}", tmp_path)
    assert message.startswith(f"cannot download {internal.base}{path}: {expected}"), message
    assert seconds < QUICK.total_seconds + 1.5
    assert list(tmp_path.iterdir()) == []  # no partial file, no temporary file


def test_a_redirect_to_this_machine_is_refused_and_never_followed(
    internal, outside, as_public, tmp_path
):
    strict = FetchPolicy(max_bytes=2_000_000, total_seconds=3.0)
    assert download(f"{outside.base}/photo.png", tmp_path / "a.png", strict).is_file()
    before = internal.hits["/secret.png"]
    to_secret = f"{outside.base}/redirect?to={internal.base}/secret.png"
    message, _ = fails(to_secret, tmp_path / "b", strict)
    assert message.startswith(
        f"cannot download {internal.base}/secret.png: its host is not a public"
    )
    assert internal.hits["/secret.png"] == before  # never asked


def test_stop_ends_a_download_within_a_second(internal, tmp_path):
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    policy = FetchPolicy(max_bytes=2_000_000, total_seconds=60.0, allow_private=True)
    message, seconds = fails(f"{internal.base}/slow", tmp_path, policy, stop=stop.is_set)
    assert message == f"stopped while downloading {internal.base}/slow"
    assert seconds < 1.5


def test_a_download_cut_short_is_not_cached_and_the_next_run_fetches_again(internal, tmp_path):
    url = f"{internal.base}/flaky"
    cached = tmp_path / "cache" / cache_name(url)
    with pytest.raises(NSTError, match="cut short after"):
        cached_download(url, cached, QUICK, check_image_file)
    assert list(cached.parent.iterdir()) == []
    assert cached_download(url, cached, QUICK, check_image_file).read_bytes() == PHOTO
    hits = internal.hits["/flaky"]
    assert cached_download(url, cached, QUICK, check_image_file) == cached
    assert internal.hits["/flaky"] == hits  # whole: taken from the cache


def test_a_damaged_cached_image_is_fetched_again(internal, tmp_path):
    url = f"{internal.base}/photo.png"
    cached = tmp_path / cache_name(url)
    cached.write_bytes(PHOTO[:100])  # what an older version left after a cut download
    assert cached_download(url, cached, QUICK, check_image_file).read_bytes() == PHOTO


def test_a_killed_downloads_temporary_file_is_removed_by_the_next(internal, tmp_path):
    gone = subprocess.Popen(["true"])  # a process that has ended, as a killed download's has
    gone.wait()
    stale = tmp_path / f".nst-{gone.pid}-abcd.tmp"
    stale.write_bytes(b"")
    alive = tmp_path / f".nst-{os.getpid()}-efgh.tmp"  # a running writer's: kept
    alive.write_bytes(b"")
    download(f"{internal.base}/photo.png", tmp_path / "photo.png", QUICK)
    assert not stale.exists() and alive.exists()


def test_a_tls_failure_is_one_line_and_auto_weights_still_fall_back(
    internal, monkeypatch, tmp_path
):
    https = f"https://127.0.0.1:{internal.server_address[1]}/w.h5"  # the server speaks plain HTTP
    with pytest.raises(NSTError, match=r"TLS failed \(\[SSL: WRONG_VERSION_NUMBER\]"):
        download(https, tmp_path / "w.h5", QUICK)
    monkeypatch.setitem(weights.IMAGENET_FILES, "vgg19", https)
    fetch = guarded(WEIGHT_DOWNLOADS.allowing_private())
    with pytest.raises(NSTError, match="TLS failed"):
        weights.fetch_imagenet_weights("vgg19", fetch)
    architecture, chosen, notice = weights.choose_weights("vgg19", "auto", fetch)
    assert (architecture, chosen) == ("vgg16", weights.OFFLINE_VGG16) and notice


def test_imagenet_weights_are_fetched_under_the_policy_and_checked(internal, monkeypatch):
    monkeypatch.setitem(weights.IMAGENET_FILES, "vgg19", f"{internal.base}/photo.png")
    with pytest.raises(NSTError, match="it is not a weights file"):
        weights.fetch_imagenet_weights("vgg19", guarded(QUICK))  # a PNG is not HDF5: not kept
    assert not (weights.keras_cache_dir() / "models" / "photo.png").exists()
    with pytest.raises(NSTError, match="is not a public internet address"):
        weights.fetch_imagenet_weights("vgg19", guarded(replace(QUICK, allow_private=False)))


def test_images_by_url_are_public_only_unless_the_caller_allows_this_machine(internal):
    with pytest.raises(NSTError, match="is not a public internet address"):
        load_image(f"{internal.base}/photo.png", None, fetch=guarded(IMAGE_DOWNLOADS))
    with pytest.raises(NSTError, match="is not a public internet address"):
        fetch_url(f"{internal.base}/photo.png")  # the command line's and the page's default
    path = fetch_url(f"{internal.base}/photo.png", check_image_file, QUICK)  # allowed explicitly
    assert load_image(path, None).shape == (1, 48, 64, 3)
    with pytest.raises(NSTError, match="it is not a whole image"):
        fetch_url(f"{internal.base}/text", check_image_file, QUICK)
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # only the whole image


def test_connecting_goes_to_the_checked_address_not_to_the_name_again(internal, monkeypatch):
    """A name is resolved once: a second answer (DNS rebinding) cannot redirect the connection."""
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])
    monkeypatch.setattr(downloads, "resolve_host", lambda host, port: next(answers))
    target = check_url(f"http://rebind.example:{internal.server_address[1]}/photo.png", QUICK)
    assert target.addresses == ("127.0.0.1",)
    connected = []
    real_connect = socket.socket.connect_ex

    def record(sock, address):
        connected.append(address[0])
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect_ex", record)
    watch = downloads._Watch(time.monotonic() + 3, None)
    try:
        downloads._connect(target.addresses, target.port, QUICK, watch).close()
    finally:
        watch.close()
    assert connected == ["127.0.0.1"]


def test_the_systems_proxy_is_used_for_public_addresses(
    internal, outside, as_public, monkeypatch, tmp_path
):
    monkeypatch.setenv("http_proxy", internal.base)  # the hostile server serves absolute paths too
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    strict = FetchPolicy(max_bytes=2_000_000, total_seconds=3.0)
    before = (internal.hits["/photo.png"], outside.hits["/photo.png"])
    download(f"{outside.base}/photo.png", tmp_path / "a.png", strict)
    assert internal.hits["/photo.png"] == before[0] + 1  # through the proxy
    assert outside.hits["/photo.png"] == before[1]
    message, _ = fails(f"{internal.base}/secret.png", tmp_path / "b", strict)
    assert "is not a public internet address" in message  # the target is checked all the same
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # a proxy that is not there
    message, seconds = fails(f"{outside.base}/photo.png", tmp_path / "c", strict)
    assert "Connection refused" in message and seconds < 2


def test_an_address_with_non_ascii_characters_is_sent_escaped(internal, tmp_path):
    message, _ = fails(f"{internal.base}/bild-ü.png?q=ä", tmp_path)
    assert message.endswith("HTTP 404 Not Found; check the address"), message
    assert internal.hits["/bild-%C3%BC.png"] == 1
