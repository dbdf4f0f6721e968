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
LINK = re.compile(r"(\]\(|(?:src|href)=[\"'])([^)\"'\s]+)")


def relative(target: str, page: str) -> str:
    """``target`` (a path from the site's root) as a link from ``page`` (also from the root)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def rewrite_links(text: str, source: str, on_site: Callable[[str], str | None]) -> str:
    """``text`` of the repository's file ``source`` with each relative link pointing where its
    target is on the site (``on_site``: a file's path there, None when it is not on it), else to the
    file on GitHub; Colab's badge image is served by the site."""
    page = on_site(source) or source

    def one(found: re.Match) -> str:
        opening, target = found.groups()
        if target == BADGE:
            return opening + relative(LOCAL_BADGE, page)
        if re.match(r"[a-z]+:|#|/", target):  # an address, a fragment, or from the root
            return found.group(0)
        path, _, fragment = target.partition("#")
        in_repository = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        anchor = f"#{fragment}" if fragment else ""
        there = on_site(in_repository)
        if there is not None:
            return f"{opening}{relative(there, page)}{anchor}"
        kind = "tree" if "." not in posixpath.basename(in_repository) else "blob"
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
    on_site: Callable[[str], str | None],
) -> nbformat.NotebookNode:
    """An executed lesson as its page: the note of :func:`header` under the title, its widgets drawn
    as they ended, its links through :func:`rewrite_links`."""
    static_widgets(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = plain_headings(rewrite_links(cell.source, page, on_site))
    first = notebook.cells[0]
    title, overview, rest = first.source.partition("\n## Overview")
    if overview:  # the note between the title (with the badge) and the overview
        first.source = title.rstrip()
        notebook.cells.insert(1, nbformat.v4.new_markdown_cell(overview.lstrip() + rest))
    notebook.cells.insert(1, header(notebook, facts))
    return notebook
