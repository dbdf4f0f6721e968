"""The command line: every bad input is one line on stderr, a non-zero exit, and nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from nst_helpers.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def fails(capsys, argv, match, code=2):
    """Run the command line in-process; it must fail with one matching line and no traceback."""
    try:
        exit_code = main(argv)
    except SystemExit as exc:  # argparse's own errors exit
        exit_code = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert exit_code == code, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert match in lines[0], lines[0]
    assert "Traceback" not in err
    return lines[0]


def stylize_args(content, style, output, *extra):
    return [
        "stylize",
        str(content),
        str(style),
        "-o",
        str(output),
        "--max-dim",
        "48",
        "--steps",
        "2",
        *extra,
    ]


def test_missing_file(capsys, pictures, tmp_path):
    fails(
        capsys,
        stylize_args(tmp_path / "nope.png", pictures[1], tmp_path / "out.png"),
        "image not found",
    )
    assert not (tmp_path / "out.png").exists()


def test_file_that_is_not_an_image(capsys, pictures, tmp_path):
    bad = tmp_path / "fake.png"
    bad.write_bytes(b"\x00\x01 not a png at all")
    fails(capsys, stylize_args(pictures[0], bad, tmp_path / "out.png"), "not an image")


def test_truncated_image(capsys, pictures, tmp_path):
    cut = tmp_path / "cut.png"
    cut.write_bytes(pictures[0].read_bytes()[:400])
    fails(capsys, stylize_args(cut, pictures[1], tmp_path / "out.png"), "damaged or truncated")


def test_image_too_small(capsys, pictures, tmp_path):
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (20, 300)).save(tiny)
    fails(capsys, stylize_args(tiny, pictures[1], tmp_path / "out.png"), "at least 32 px")


def test_decompression_bomb(capsys, pictures, tmp_path):
    bomb = tmp_path / "bomb.png"
    Image.new("1", (11000, 11000)).save(bomb)
    fails(capsys, stylize_args(bomb, pictures[1], tmp_path / "out.png"), "decompression bomb")


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--arch", "alexnet"], "invalid choice: 'alexnet' (choose from 'vgg16', 'vgg19'"),
        (["--steps", "0"], "--steps=0 is out of range"),
        (["--max-dim", "100000"], "--max-dim=100000 is out of range"),
        (["--lr", "0"], "--lr=0.0 is out of range"),
        (["--lr", "nan"], "--lr=nan is out of range"),
        (["--style-weight", "-1"], "--style-weight=-1.0 is out of range"),
        (
            ["--content-weight", "0", "--style-weight", "0", "--tv-weight", "0"],
            "--content-weight, --style-weight and --tv-weight are all 0, so there is nothing to optimize",
        ),
        (["--weights", "imagenett"], "neither a file nor one of imagenet"),
        (["--save-every", "-5"], "--save-every -5 is negative"),
        (["--steps", "ten"], "invalid int value"),
    ],
)
def test_out_of_range_options(capsys, pictures, tmp_path, extra, match):
    fails(capsys, stylize_args(*pictures, tmp_path / "out.png", *extra), match)
    assert not (tmp_path / "out.png").exists()


def test_output_that_is_an_input_image(capsys, pictures):
    content, style = pictures
    before = content.read_bytes()
    fails(capsys, stylize_args(content, style, content), "is an input image")
    assert content.read_bytes() == before


def test_output_with_an_unknown_suffix(capsys, pictures, tmp_path):
    fails(capsys, stylize_args(*pictures, tmp_path / "out.gif"), "must end in .png")


def test_unknown_image_name(capsys, pictures, tmp_path):
    fails(
        capsys,
        stylize_args("mona_lisa", pictures[1], tmp_path / "out.png"),
        "known images: astronaut",
    )


def test_painting_offline_names_its_url(capsys, pictures, tmp_path):
    line = fails(
        capsys,
        stylize_args(pictures[0], "starry_night", tmp_path / "out.png"),
        "cannot download https://",
    )
    assert "Starry_Night" in line


def test_unknown_layer_lists_the_valid_ones(capsys, pictures, tmp_path):
    line = fails(
        capsys,
        stylize_args(
            *pictures,
            tmp_path / "out.png",
            "--weights",
            "none",
            "--arch",
            "vgg16",
            "--style-layers",
            "block1_conv1,block6_conv1",
        ),
        "unknown layer(s) block6_conv1",
    )
    assert "valid layers: block1_conv1" in line
    assert not (tmp_path / "out.png").exists()


def test_imagenet_weights_that_cannot_be_downloaded(capsys, pictures, tmp_path):
    line = fails(
        capsys,
        stylize_args(*pictures, tmp_path / "out.png", "--weights", "imagenet"),
        "cannot download the ImageNet weights for vgg19",
    )
    assert "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5" in line and "offline-vgg16" in line
    assert not (tmp_path / "out.png").exists()


def test_auto_weights_fall_back_and_write_image_and_record(capsys, pictures, tmp_path):
    output = tmp_path / "sub" / "out.png"
    assert main(stylize_args(*pictures, output, "--save-every", "1")) == 0
    out = capsys.readouterr().out
    assert "NOTE: the ImageNet weights for vgg19 cannot be downloaded" in out
    image = Image.open(output)
    assert image.size == (48, 36) and image.mode == "RGB"
    assert (tmp_path / "sub" / "out-step0001.png").exists()
    record = json.loads(output.with_suffix(".json").read_text())
    assert (
        record["settings"]["architecture"] == "vgg16"
        and record["settings"]["weights"] == "offline-vgg16"
    )
    assert record["steps_run"] == 2 and {"total", "content", "style", "tv"} <= set(
        record["final_losses"]
    )
    assert record["median_step_seconds"] > 0 and record["versions"]["tensorflow"]
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == [
        "out-step0001.png",
        "out-step0002.png",
        "out.json",
        "out.png",
    ]


def test_images_command_lists_shipped_and_paintings(capsys):
    assert main(["images"]) == 0
    out = capsys.readouterr().out
    assert "swirls" in out and "The Great Wave off Kanagawa" in out


def test_subprocess_error_is_one_line_without_traceback(tmp_path):
    """The real command: exit code, one line on stderr, no traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nst_helpers",
            "stylize",
            str(tmp_path / "missing.jpg"),
            "swirls",
            "-o",
            str(tmp_path / "o.png"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and done.stderr.startswith("error: image not found")
    usage = subprocess.run(
        [sys.executable, "-m", "nst_helpers", "stylize"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert (
        usage.returncode == 2
        and usage.stderr.strip().count("\n") == 0
        and "required" in usage.stderr
    )
