"""make lab: JupyterLab starts on the notebooks for root and non-root users alike, and lists them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_lab_starts_the_way_make_lab_does_and_lists_every_notebook(tmp_path):
    port, token = free_port(), "course-test-token"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "lab.py"),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.port_retries=0",
    ]
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "HOME": str(tmp_path),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/contents", headers={"Authorization": f"token {token}"}
    )
    listing, deadline = None, time.monotonic() + 90
    try:
        while listing is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    assert answer.status == 200
                    listing = json.load(answer)
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert listing is not None, output[-3000:]
    served = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    assert served == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb")) and served, served
