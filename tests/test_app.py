"""The playground: its logic without a page, then the real app in a subprocess called by a real
client (gradio_client), as a program would."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import PAGE_RUN
from PIL import Image

from nst_helpers.core.errors import NSTError
from nst_helpers.page.requests import (
    PlaygroundRequest,
    preview_every,
    stream_run,
)

TINY = dict(max_dim=64, steps=3, weights="none", architecture="vgg16")


def test_an_upload_wins_over_a_url_which_wins_over_the_shipped_image():
    assert PlaygroundRequest(content="coffee").content_source == "coffee"
    with_url = PlaygroundRequest(content="coffee", content_url=" https://example.org/a.jpg ")
    assert with_url.content_source == "https://example.org/a.jpg"
    uploaded = PlaygroundRequest(
        content_url="https://example.org/a.jpg", content_upload="/tmp/x.png"
    )
    assert uploaded.content_source == "/tmp/x.png"
    assert PlaygroundRequest(style="ihc", style_upload="/tmp/s.png").style_source == "/tmp/s.png"


def test_style_strength_is_a_power_of_ten_on_the_networks_weights():
    plain = PlaygroundRequest(**TINY).settings()
    strong = PlaygroundRequest(**TINY, style_strength=1.0, tv_strength=0.5).settings()
    assert strong.style_weight == pytest.approx(10 * plain.style_weight)
    assert strong.tv_weight == pytest.approx(0.5 * plain.tv_weight)
    assert strong.upscale and strong.max_dim == 64


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"steps": 0}, "steps=0 is out of range; use a whole number from 1 to 10000"),
        ({"max_dim": 2000}, "working size=2000 is out of range"),
        ({"style_strength": float("nan")}, "style strength=nan is out of range"),
        ({"architecture": "alexnet"}, "the backbone setting is not one of the page's choices"),
        ({"learning_rate": -1}, "learning rate=-1 is out of range"),
        ({"content_url": "ftp://example.org/a.jpg"}, "is not a web address"),
        ({"content_url": "https://example.org/a.jpg"}, "cannot download https://example.org/a.jpg"),
        ({"content": "/etc/hostname"}, "the content is not one of the page's choices"),
        ({"style": {"path": "/etc/hostname"}}, "the style is not one of the page's choices"),
        ({"weights": "/etc/hostname"}, "the weights setting is not one of the page's choices"),
        ({"learning_rate": "0.1"}, "learning rate='0.1' is out of range"),
        ({"weights": "imagenet"}, "cannot download the ImageNet weights for vgg16"),
        ({"content_upload": "/nowhere/photo.jpg"}, "image not found: /nowhere/photo.jpg"),
    ],
)
def test_bad_controls_are_one_line(changes, match):
    request = PlaygroundRequest(**{**TINY, **changes})
    with pytest.raises(NSTError, match=match) as caught:
        next(stream_run(request, threading.Event()))
    assert "\n" not in str(caught.value)


def test_the_page_runs_lbfgs_and_keeps_the_photos_colours(tmp_path):
    request = PlaygroundRequest(**TINY, optimizer="lbfgs", color="luminance")
    assert request.settings().optimizer == "lbfgs"
    last = list(stream_run(request, threading.Event(), tmp_path))[-1]
    record = json.loads(Path(last.files[1]).read_text())["settings"]
    assert last.done and record["optimizer"] == "lbfgs" and record["color"] == "luminance"
    with pytest.raises(NSTError, match="the colours setting is not one of the page's choices"):
        PlaygroundRequest(**TINY, color="sepia").settings()


def test_previews_are_at_most_sixty_a_run():
    assert preview_every(3) == 1 and preview_every(300) == 5 and preview_every(10_000) == 167


def test_a_stream_shows_the_content_first_then_steps_then_the_best_image(tmp_path):
    updates = list(stream_run(PlaygroundRequest(**TINY), threading.Event(), tmp_path))
    assert updates[0].step == 0 and updates[0].image is not None and not updates[0].done
    assert [u.step for u in updates[1:-1]] == [1, 2, 3]
    last = updates[-1]
    assert last.done and last.step == 3 and last.image.dtype == np.uint8
    image, record = (Path(f) for f in last.files)
    assert Image.open(image).size == (64, 43)
    assert json.loads(record.read_text())["steps_run"] == 3
    assert [row["step"] for row in last.history] == [1, 2, 3]
    for row in last.history:  # the plotted terms are weighted: they add up to the total
        assert row["content"] + row["style"] + row["tv"] == pytest.approx(row["total"], rel=1e-3)


def test_stop_ends_a_stream_between_steps_and_keeps_the_best(tmp_path):
    stop = threading.Event()
    updates = []
    for update in stream_run(PlaygroundRequest(**{**TINY, "steps": 5000}), stop, tmp_path):
        updates.append(update)
        if update.step >= 2 and not update.done:
            stop.set()
    last = updates[-1]
    assert last.done and 2 <= last.step < 5000
    assert last.message.startswith(f"stopped after {last.step} of 5000 steps")
    assert Path(last.files[0]).is_file()


# The real app, in its own process, called by gradio_client -------------------------------------


def call(client, **controls):
    """The stylize endpoint with the page's controls (defaults: chelsea in swirls, tiny, random)."""
    values = {**PAGE_RUN, **controls}
    return client.submit(*values.values(), api_name="/stylize")


@pytest.fixture(scope="module")
def client(playground_url):
    from gradio_client import Client

    return Client(playground_url, verbose=False)


def test_the_app_stylizes_through_its_api(client):
    image, progress, status, plot, files = call(client).result(timeout=300)
    assert status.startswith("finished 3 steps"), status
    assert 'value="3" max="3"' in progress
    assert 'src="data:image/png;base64,' in image and 'width="64" height="43"' in image
    assert Image.open(files[0]).size == (64, 43)
    names = sorted(Path(f).suffix for f in files)
    assert names == [".json", ".png"]
    assert {row[1] for row in plot["data"]} >= {"total", "style"}


def test_a_bad_upload_is_one_line_in_the_page_and_the_app_keeps_running(client, tmp_path):
    from gradio_client import handle_file

    fake = tmp_path / "holiday.png"
    fake.write_text("this is not an image")
    _, _, status, _, files = call(client, content_upload=handle_file(str(fake))).result(timeout=120)
    assert status.startswith("Error: ") and "is not an image Pillow can read" in status
    assert "\n" not in status and files is None
    status = call(client, content="coffee").result(timeout=300)[2]
    assert status.startswith("finished"), status


def test_the_page_keeps_saying_what_auto_weights_substituted(tmp_path):
    from nst_helpers.page.app import stylize_page

    controls = PlaygroundRequest(architecture="vgg19", weights="auto", steps=2, max_dim=64)
    outputs = list(stylize_page(None, *controls.values()))
    final_status = outputs[-1][2]
    assert final_status.startswith("finished 2 steps"), final_status
    assert "Note: the ImageNet weights for vgg19 cannot be downloaded here" in final_status


def test_stop_ends_a_run_and_returns_the_best_image_so_far(client):
    job = call(client, steps=10_000)
    deadline = time.monotonic() + 180
    while not any(re.search(r'value="[1-9]', out[1]) for out in job.outputs()):
        assert time.monotonic() < deadline and not job.done(), job.outputs()[-1:]
        time.sleep(0.2)
    assert client.predict(api_name="/stop").startswith("stopping")
    image, _, status, _, files = job.result(timeout=120)
    assert status.startswith("stopped after") and "of 10000 steps" in status, status
    assert 'width="64" height="43"' in image and len(files) == 2
