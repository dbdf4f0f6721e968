"""``make lab``: JupyterLab on the course's notebooks, for root and non-root users alike.

JupyterLab refuses to start as root ("Running as root is not recommended") unless given
``--allow-root``; in containers, CI and many cloud notebooks one is root, so it is passed there
(and only there). Extra arguments go to JupyterLab, for example ``--port 8890 --no-browser``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def lab_command(extra: list[str]) -> list[str]:
    """The JupyterLab command line for this user."""
    command = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={NOTEBOOKS}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command + extra


def main() -> None:
    command = lab_command(sys.argv[1:])
    print(
        f"Starting JupyterLab on {NOTEBOOKS}; open the http://127.0.0.1:... URL it prints below "
        "(with its token) in a browser. Ctrl-C stops it.",
        flush=True,
    )
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
