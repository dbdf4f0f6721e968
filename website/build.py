"""``make site``: the nine lessons executed at classroom parameters and published with the README as
the home page, as a static site in ``build/site/html`` that any web server or GitHub Pages can serve.

Each notebook runs with papermill on this machine (``build/site/executed``, kept until its inputs
change); MkDocs Material with mkdocs-jupyter renders the pages (``website/mkdocs.yml``). A lesson
that fails stops the build with one line naming it and the cell, and nothing is published.
``OFFLINE=1`` (``--offline``) runs the lessons with the shipped painting instead of downloading one.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import papermill
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nst_helpers.plumbing.course import REPOSITORY  # noqa: E402
from website.execute import Execution, SiteError, execute  # noqa: E402
from website.facts import lesson_facts, minutes  # noqa: E402
from website.pages import lesson_page, rewrite_links  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
OUT = ROOT / "build" / "site"
CONFIG = Path(__file__).resolve().parent / "mkdocs.yml"
ASSETS = Path(__file__).resolve().parent / "assets"
PAGES = {"README.md": "index.md", "instructors/guide.md": "instructors/guide.md"}
"""Markdown files of the repository published as pages (source: page)."""
SITE_PARAMETERS = {"09_playground": {"LAUNCH": False}}
"""Where the site differs from the classroom: a static page cannot serve the playground."""
OFFLINE_PARAMETERS = {"STYLE": "swirls", "SECOND_STYLE": "hubble"}
"""With ``--offline``: the shipped paintings, for the notebooks that have these parameters."""


@dataclass(frozen=True)
class SiteBuild:
    """What one ``make site`` needs: where to write, each lesson's parameters over its classroom
    defaults, whether to run without the network, whether to run lessons executed before again."""

    out: Path = OUT
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    offline: bool = False
    fresh: bool = False
    lessons: tuple[Path, ...] = tuple(LESSONS)


def executions(build: SiteBuild) -> list[Execution]:
    """Each lesson with the parameters it runs with for the site."""
    runs = []
    for path in build.lessons:
        declared = papermill.inspect_notebook(str(path))
        offline = {k: v for k, v in OFFLINE_PARAMETERS.items() if k in declared and build.offline}
        chosen = {
            **SITE_PARAMETERS.get(path.stem, {}),
            **offline,
            **build.parameters.get(path.stem, {}),
        }
        runs.append(Execution(path, chosen, build.offline))
    return runs


def on_site(path: str) -> str | None:
    """Where a file of the repository is on the site (None: not on it): the README as the home page,
    the guide, the lessons, the figures in docs/."""
    if path in PAGES:
        return PAGES[path]
    if re.fullmatch(r"notebooks/[0-9][0-9]_\w+\.ipynb|docs/[\w.-]+\.png", path):
        return path if (ROOT / path).exists() else None
    return None


def write_sources(build: SiteBuild, executed: list[tuple[Execution, Path]], source: Path) -> None:
    """The site's pages and files into ``source``: MkDocs' docs folder and its configuration."""
    import jupyter_server_mathjax

    shutil.rmtree(source, ignore_errors=True)
    pages = source / "pages"
    (pages / "notebooks").mkdir(parents=True)
    lessons = []
    for run, result in executed:
        page = f"notebooks/{run.source.name}"
        notebook = nbformat.read(result, as_version=4)
        title = notebook.cells[0].source.splitlines()[0].removeprefix("# ")
        lessons.append({f"{run.name[:2]} {title}": page})
        note = lesson_facts(notebook, papermill.inspect_notebook(str(run.source)))
        nbformat.write(lesson_page(notebook, page, note, on_site), pages / page)
    for original, page in PAGES.items():
        (pages / page).parent.mkdir(parents=True, exist_ok=True)
        (pages / page).write_text(rewrite_links((ROOT / original).read_text(), original, on_site))
    # the figures of docs/, which on_site says are on the site (its tables are not)
    shutil.copytree(ROOT / "docs", pages / "docs", ignore=shutil.ignore_patterns("*.csv"))
    shutil.copytree(ASSETS, pages / "assets")
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, pages / "assets" / "mathjax")
    config = yaml.safe_load(CONFIG.read_text())
    config.update(
        docs_dir=str(pages),
        site_dir=str(build.out / "html.new"),
        theme={**config["theme"], "custom_dir": str(CONFIG.parent / config["theme"]["custom_dir"])},
        extra={
            "social": [
                {"icon": "fontawesome/brands/github", "link": f"https://github.com/{REPOSITORY}"}
            ]
        },
        nav=[
            {"Home": "index.md"},
            {"Lessons": lessons},
            {"Instructor's guide": "instructors/guide.md"},
        ],
    )
    (source / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))


def build_site(build: SiteBuild) -> Path:
    """Execute every lesson, then render the site into ``build.out / "html"`` (replaced only when the
    whole build succeeded); raises :class:`SiteError` naming a lesson and cell that failed."""
    began, runs = time.perf_counter(), executions(build)
    executed = []
    for number, run in enumerate(runs, start=1):
        label = f"[{number}/{len(runs)}, site {minutes(time.perf_counter() - began)} so far] "
        executed.append((run, execute(run, build.out / "executed", build.fresh, label)))
    print(
        f"{len(runs)} lessons executed in {minutes(time.perf_counter() - began)}; rendering the pages"
    )
    source = build.out / "source"
    write_sources(build, executed, source)
    rendered = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "-f",
            str(source / "mkdocs.yml"),
        ],
        capture_output=True,
        text=True,
    )
    if rendered.returncode != 0:
        problems = [line for line in rendered.stderr.splitlines() if line.strip()][:3]
        raise SiteError(
            f"MkDocs could not render the site: {' | '.join(problems)}; nothing was published"
        )
    html = build.out / "html"
    shutil.rmtree(html, ignore_errors=True)
    (build.out / "html.new").replace(html)
    print(f"site written to {html} in {minutes(time.perf_counter() - began)}: "
          f"open {html / 'index.html'} or serve it (python -m http.server -d {html})")  # fmt: skip
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (build/site)")
    parser.add_argument("--offline", action="store_true", help="no downloads: shipped paintings")
    parser.add_argument(
        "--fresh", action="store_true", help="execute lessons executed before again"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, stop)
    try:
        build_site(SiteBuild(out=args.out.resolve(), offline=args.offline, fresh=args.fresh))
    except SiteError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"stopped: the lessons executed so far are kept in {args.out / 'executed'}; "
              "make site again goes on from there", file=sys.stderr)  # fmt: skip
        return 130
    except OSError as error:
        print(f"error: {error.strerror or error} ({error.filename or 'writing the site'}): free some "
              "space or fix the folder, then make site again", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def stop(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: the build stops between writes, keeping what it executed."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
