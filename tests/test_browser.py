"""The playground in a real browser: the operating system's Chromium, driven by Playwright.

Chromium's fake camera stands in for a webcam. Screenshots go to outputs/ (projector and phone
widths). Without a Chromium (``.ci/run`` installs one), the test is skipped and says why.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "outputs"


def open_page(browser, url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_selector("#start", timeout=60_000)
    return context, page


def set_number(page, label, value):
    box = page.get_by_label(f"number input for {label}")
    box.fill(str(value))
    box.press("Enter")


def test_a_webcam_snapshot_is_stylized_in_the_browser(browser, playground_url):
    SHOTS.mkdir(exist_ok=True)
    context, page = open_page(browser, playground_url, 1280, 720)
    try:
        page.screenshot(path=str(SHOTS / "playground_1280x720_start.png"))
        # the content: a snapshot of Chromium's fake camera
        page.get_by_label("Capture from camera").click()
        page.get_by_text("Click to Access Webcam").click()
        page.wait_for_function(  # the camera is streaming: a capture now has a picture
            "() => { const v = document.querySelector('#content-upload video');"
            " return v && v.readyState >= 2 && v.videoWidth > 0; }",
            timeout=30_000,
        )
        page.get_by_label("capture photo").click()
        page.wait_for_selector("#content-upload img:not(.hide)", timeout=30_000)
        # the style: another shipped image, picked from the menu
        page.get_by_label("Style: shipped or a famous painting").click()
        page.get_by_role("option", name="ihc (shipped)").click()
        set_number(page, "Steps", 3)
        set_number(page, "Working size (long side, px)", 64)
        page.get_by_text("Advanced").click()
        page.locator("#weights").get_by_label("none").check()  # random: no download in tests
        page.click("#start")
        page.wait_for_selector("#status :text('finished 3 steps')", timeout=180_000)
        page.wait_for_selector("#result img", timeout=30_000)
        page.screenshot(path=str(SHOTS / "playground_1280x720.png"))
        link = page.locator('#files a[download$=".json"]')
        record = json.loads(page.request.get(link.get_attribute("href")).text())
    finally:
        context.close()
    assert record["style"] == "ihc" and record["steps_run"] == 3
    assert record["content"] not in ("chelsea", "") and record["settings"]["max_dim"] == 64
    assert (SHOTS / "playground_1280x720.png").stat().st_size > 10_000


def test_a_refused_address_is_one_line_in_the_page(browser, playground_url):
    context, page = open_page(browser, playground_url, 1280, 720)
    try:
        page.get_by_label("...or a photo's web address").fill("http://127.0.0.1:22/secret.png")
        set_number(page, "Steps", 3)
        set_number(page, "Working size (long side, px)", 64)
        page.click("#start")
        page.wait_for_selector("#status :text('Error:')", timeout=60_000)
        status = page.locator("#status").inner_text()
        page.screenshot(path=str(SHOTS / "playground_refused_address.png"))
        shown = page.locator("#result img").count()
    finally:
        context.close()
    assert "is not a public internet address" in status and "\n" not in status.strip(), status
    assert shown == 0  # no image came back


def test_the_page_fits_a_phone(browser, playground_url):
    context, page = open_page(browser, playground_url, 390, 844)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(SHOTS / "playground_phone.png"), full_page=True)
    finally:
        context.close()
    assert width <= 390, f"the page is {width} px wide on a 390 px phone: it scrolls sideways"
