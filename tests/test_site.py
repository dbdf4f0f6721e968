"""The course site (``make site``): built from the lessons executed at the tests' tiny parameters and
opened in the system's Chromium (Playwright), as the browser test does; a failing lesson stops the
build; the GitHub Pages workflow parses.

Without a Chromium (``.ci/run`` installs one), the browser tests are skipped and say why.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import papermill
import pytest
import yaml
from test_notebooks import TINY

from nst_helpers.plumbing.course import COLAB_BASE, REPOSITORY

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from website.build import LESSONS, OUT, SiteBuild, build_site  # noqa: E402
from website.execute import Execution, SiteError, execute  # noqa: E402

WORKFLOW = ROOT / ".github" / "workflows" / "site.yml"
IMAGE_KINDS = ("image/png", "image/jpeg", "image/svg+xml")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # no line per request in the test's output
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built offline from the lessons at their tiny parameters, served on 127.0.0.1:
    (base address, build folder)."""
    out = tmp_path_factory.mktemp("site")
    with pytest.MonkeyPatch.context() as patch:  # an empty Keras cache: nothing downloaded before
        patch.setenv("KERAS_HOME", str(out / "keras_home"))
        html = build_site(SiteBuild(out=out, parameters=TINY, offline=True))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", out
    server.shutdown()


def visit(browser, url: str):
    """The page at ``url`` once loaded, with every request the page made that failed or left the
    site (MathJax's own about:blank probe aside)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    origin = urllib.parse.urlsplit(url).netloc
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on(
        "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    page.on(
        "request",
        lambda r: (
            problems.append(f"left the site: {r.url}")
            if urllib.parse.urlsplit(r.url).scheme in ("http", "https")
            and urllib.parse.urlsplit(r.url).netloc != origin
            else None
        ),
    )
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    return page, [p for p in problems if "about:blank" not in p]


def link_problems(page, url: str) -> list[str]:
    """Links of the page that do not resolve: a page or file of the site that is not served, a
    fragment with no element, a Colab badge not opening that very lesson of the course's repository,
    a GitHub address of a file the repository does not have."""
    problems = []
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    for href in sorted(set(hrefs)):
        parts = urllib.parse.urlsplit(href)
        if parts.netloc == urllib.parse.urlsplit(url).netloc:
            target = href.split("#")[0]
            try:
                body = urllib.request.urlopen(target, timeout=10).read().decode(errors="replace")
            except urllib.error.URLError as error:
                problems.append(f"{href}: {error}")
                continue
            if parts.fragment and f'id="{parts.fragment}"' not in body:
                problems.append(f"{href}: no element with that id")
        elif href.startswith("https://colab.research.google.com/"):
            name = href.rsplit("/", 1)[-1]
            if href != f"{COLAB_BASE}/{name}" or not (ROOT / "notebooks" / name).exists():
                problems.append(f"{href}: not a lesson of {REPOSITORY} on Colab")
        elif href.startswith(f"https://github.com/{REPOSITORY}/"):
            path = re.sub(rf"https://github.com/{REPOSITORY}/(blob|tree)/main/?", "", href)
            if path and not (ROOT / path.split("#")[0]).exists():
                problems.append(f"{href}: the repository has no {path}")
        elif parts.scheme != "https":
            problems.append(f"{href}: not an https address")
    return problems


def drawn_figures(executed: Path) -> int:
    """How many pictures the executed lesson shows in its outputs."""
    notebook = nbformat.read(executed, as_version=4)
    return sum(
        any(kind in output.get("data", {}) for kind in IMAGE_KINDS)
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_page(browser, site, lesson):  # no Chromium: skipped before the build
    base, out = site
    url = urllib.parse.urljoin(base, f"notebooks/{lesson.stem}.html")
    page, requests = visit(browser, url)
    try:
        assert not requests, requests
        outputs = page.locator(".jp-OutputArea-output img")
        assert outputs.count() >= drawn_figures(out / "executed" / lesson.name) > 0
        broken = page.eval_on_selector_all(
            "img",
            "images => images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src.slice(0, 80))",
        )
        assert not broken, f"images that do not load: {broken}"
        stderr = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]')
        assert stderr.count() == 0, f"error or warning output: {stderr.first.inner_text()[:300]}"
        assert "Traceback" not in page.inner_text("article")
        badge = page.locator(f'a[href="{COLAB_BASE}/{lesson.name}"] img')
        assert badge.count() == 1, "the Colab button"
        note = page.locator(".admonition.info").first.inner_text()
        done = nbformat.read(out / "executed" / lesson.name, as_version=4).metadata["site"]
        weights = (
            "offline VGG16" if "WEIGHTS" in papermill.inspect_notebook(str(lesson)) else "none"
        )
        for said in (done["executed"], done["machine"]["machine"], weights, "offline"):
            assert said in note, f"the note under the title does not say {said!r}: {note}"
        order = [
            "index.html",
            *(f"notebooks/{p.stem}.html" for p in LESSONS),
            "instructors/guide.html",
        ]
        here = order.index(f"notebooks/{lesson.stem}.html")
        footer = page.eval_on_selector_all(".md-footer__link", "links => links.map(a => a.href)")
        expected = [urllib.parse.urljoin(base, order[here + step]) for step in (-1, 1)]
        assert footer == expected, "the footer links the previous and the next page"
        assert not link_problems(page, url), link_problems(page, url)
    finally:
        page.close()


def test_home_page_and_guide(browser, site):
    base, _ = site
    for address in ("index.html", "instructors/guide.html"):
        url = urllib.parse.urljoin(base, address)
        page, requests = visit(browser, url)
        try:
            assert not requests, requests
            assert not link_problems(page, url), link_problems(page, url)
            nav = page.eval_on_selector_all(
                ".md-nav__link[href]", "links => links.map(a => a.href)"
            )
            for lesson in LESSONS:  # every lesson is one click away
                assert urllib.parse.urljoin(base, f"notebooks/{lesson.stem}.html") in nav
        finally:
            page.close()
    home = urllib.request.urlopen(urllib.parse.urljoin(base, "index.html")).read().decode()
    assert 'href="notebooks/01_data_visualization.html"' in home, (
        "the README's table links the pages"
    )


def lesson_of(cells: list[str], path: Path) -> Path:
    """A notebook at ``path``: a title, then these code cells (the first tagged ``parameters``)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}")]
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in cells]
    notebook.cells[1].metadata["tags"] = ["parameters"]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "language": "python",
        "display_name": "Python 3",
    }
    nbformat.write(notebook, path)
    return path


def test_a_failing_lesson_stops_the_build(tmp_path, capsys):
    published = tmp_path / "out" / "html" / "index.html"
    published.parent.mkdir(parents=True)
    published.write_text("the site as published before")
    broken = lesson_of(
        ["x = 1", "x = 2\nraise ValueError('broken on purpose')", "print('never')"],
        tmp_path / "10_broken.ipynb",
    )
    build = SiteBuild(out=tmp_path / "out", lessons=(broken,))
    with pytest.raises(SiteError) as raised:
        build_site(build)
    message = str(raised.value)
    assert "\n" not in message
    assert "10_broken.ipynb failed at cell 3 ('x = 2')" in message, message
    assert "ValueError: broken on purpose" in message and "nothing was published" in message
    assert published.read_text() == "the site as published before", "the last good site stays"


def test_a_lesson_executed_before_is_kept_until_its_inputs_change(tmp_path, capsys):
    lesson = lesson_of(["N = 1", "print(f'N is {N}')"], tmp_path / "10_small.ipynb")
    folder, terminal = tmp_path / "executed", os.fstat(2)

    def run(n: int) -> tuple[str, str]:
        result = execute(Execution(lesson, {"N": n}), folder)
        printed = nbformat.read(result, as_version=4).cells[-1].outputs[0].text
        return capsys.readouterr().out, printed

    assert "executed in" in run(2)[0]
    said, printed = run(2)
    assert "kept" in said and printed == "N is 2\n"
    said, printed = run(3)
    assert "executed in" in said and printed == "N is 3\n", "new parameters: executed again"
    assert (os.fstat(2).st_ino, os.fstat(2).st_dev) == (terminal.st_ino, terminal.st_dev), (
        "stderr back"
    )


def test_the_pages_workflow_parses(tmp_path):
    """check-jsonschema validates the workflow against GitHub's schema (and rejects a broken copy),
    its make targets exist and it publishes the folder make site writes."""

    def check(path: Path) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
        ]
        return subprocess.run([*command, str(path)], capture_output=True, text=True)

    assert check(WORKFLOW).returncode == 0, check(WORKFLOW).stdout
    broken = WORKFLOW.read_text().replace("runs-on:", "runs_on:")  # a misspelt key
    (tmp_path / "broken.yml").write_text(broken)
    assert check(tmp_path / "broken.yml").returncode != 0
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
    targets = set(re.findall(r"^([a-z-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))
    for step in steps:
        for target in re.findall(r"\bmake ([a-z-]+)", step.get("run", "")):
            assert target in targets, f"the workflow runs make {target}: no such target"
    uploaded = [s["with"]["path"] for s in steps if "upload-pages-artifact" in s.get("uses", "")]
    assert uploaded == [str((OUT / "html").relative_to(ROOT))]
    assert json.dumps(workflow).count("make site") == 1
