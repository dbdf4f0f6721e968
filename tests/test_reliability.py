"""Nothing a user does loses their work: each failure class, driven for real through the command line
(in a subprocess, with real signals, a real read-only folder and a real umask) or the Python API."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst_helpers.cli.main import main
from nst_helpers.core.errors import NSTError

ROOT = Path(__file__).resolve().parent.parent
HEADER = "steps, step mode"  # printed once the model is built, just before the loop


def unprivileged(command: list[str]) -> list[str]:
    """As root, drop the capabilities that ignore file permissions, so a read-only folder is read-only."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    assert setpriv, (
        "running as root, these tests need setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
    )
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]


def cli(pictures, output, *extra, steps="100000") -> list[str]:
    return [
        sys.executable,
        "-m",
        "nst_helpers",
        "stylize",
        str(pictures[0]),
        str(pictures[1]),
        "-o",
        str(output),
        "--max-dim",
        "64",
        "--steps",
        steps,
        "--weights",
        "none",
        "--arch",
        "vgg16",
        "--step-mode",
        "eager",
        *extra,
    ]


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The user's environment as a terminal gives it: no TensorFlow log level set by us."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {**env, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path / "tmp"), **extra}


def run_cli(command: list[str], tmp_path: Path, **options) -> subprocess.CompletedProcess:
    """Run a command line to its end in a user's environment."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=environment(tmp_path),
        cwd=ROOT,
        timeout=120,
        **options,
    )


def start(command: list[str], env: dict[str, str], **popen) -> subprocess.Popen:
    """Start a run and return once its optimization loop has begun."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
        **popen,
    )
    for line in process.stdout:
        if HEADER in line:
            break
    time.sleep(2)  # a few steps
    return process


def wait_until_catching(pid: int, signum: int, seconds: float = 60.0) -> None:
    """Wait until the process has a handler for ``signum`` (Linux: the SigCgt mask in /proc)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:") and int(line.split()[1], 16) >> (signum - 1) & 1:
                return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} never caught signal {signum}")


def stderr_lines(text: str) -> list[str]:
    return [line for line in re.split(r"[\r\n]", text) if line.strip()]


def hidden_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


# 1. Writing fails after the work is done -------------------------------------------------------------


def test_read_only_folder_is_refused_before_any_work(pictures, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    done = run_cli(unprivileged(cli(pictures, folder / "out.png")), tmp_path)
    assert done.returncode == 2, done.stderr
    assert stderr_lines(done.stderr) == [
        f"error: cannot write in {folder}: permission denied; choose another output folder"
    ]
    assert HEADER not in done.stdout  # refused before the model was built
    assert list(folder.iterdir()) == []


def under_a_file(folder: Path) -> Path:
    (folder / "a-file").write_text("x")
    return folder / "a-file"


@pytest.mark.parametrize(
    "make_output, match",
    [
        (lambda t: under_a_file(t) / "sub" / "out.png", "a-file is a file, not a folder"),
        (lambda t: t / ("x" * 300 + ".png"), "over this file system's limit of"),
        (lambda t: t / "out.png", None),  # control: the same call succeeds
    ],
)
def test_bad_output_places_are_one_line_before_the_run(
    capsys, pictures, tmp_path, make_output, match
):
    output = make_output(tmp_path)
    code = main(cli(pictures, output, steps="1")[3:])
    err = capsys.readouterr().err
    if match is None:
        assert code == 0 and output.exists(), err
        return
    assert code == 2 and len(stderr_lines(err)) == 1 and match in err, err
    assert "Traceback" not in err


def test_folder_made_read_only_during_the_run_keeps_the_image_in_the_temporary_folder(
    pictures, tmp_path
):
    folder = tmp_path / "out"
    folder.mkdir()
    env = environment(tmp_path)
    process = start(unprivileged(cli(pictures, folder / "out.png")), env)
    folder.chmod(0o555)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    last = stderr_lines(err)[-1]
    assert (
        last.startswith(f"error: cannot write {folder / 'out.png'}: permission denied")
        and "was kept at" in last
    )
    kept = sorted((tmp_path / "tmp").glob("nst-rescued-*"))
    assert [p.suffix for p in kept] == [".json", ".png"], kept
    assert str(kept[1]) in last and Image.open(kept[1]).size == (64, 48)
    assert json.loads(kept[0].read_text())["stopped"] == "interrupted"


# 2. Image and record are a pair --------------------------------------------------------------------


def test_a_users_own_json_is_never_replaced(capsys, pictures, tmp_path):
    mine = tmp_path / "out.json"
    mine.write_text('{"my": "notes"}')
    code = main(cli(pictures, tmp_path / "out.png", steps="1")[3:])
    err = capsys.readouterr().err
    assert code == 2 and "is not a record written by this course" in err
    assert mine.read_text() == '{"my": "notes"}' and not (tmp_path / "out.png").exists()


def test_a_record_of_ours_is_replaced_with_the_image(capsys, pictures, tmp_path):
    output = tmp_path / "out.png"
    assert main(cli(pictures, output, steps="1")[3:]) == 0
    first = json.loads(output.with_suffix(".json").read_text())
    assert main(cli(pictures, output, steps="2")[3:]) == 0
    second = json.loads(output.with_suffix(".json").read_text())
    assert first["written_by"].startswith("nst_helpers") and (
        first["steps_run"],
        second["steps_run"],
    ) == (1, 2)


def test_a_record_that_cannot_be_written_is_reported_exactly(pictures, tmp_path):
    output = tmp_path / "out.png"
    process = start(cli(pictures, output), environment(tmp_path))
    output.with_suffix(".json").mkdir()  # a folder of the record's name appears during the run
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert stderr_lines(err)[-1] == (
        f"error: wrote {output}, but not its record: cannot write {output.with_suffix('.json')}: a folder of that "
        "name is in the way; choose another name"
    )
    assert Image.open(output).size == (64, 48)


# 3. Outputs follow the umask ------------------------------------------------------------------------


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_follow_the_umask(pictures, tmp_path, umask, expected):
    output = tmp_path / "out.png"
    command = cli(pictures, output, "--save-every", "1", steps="2")
    done = run_cli(command, tmp_path, preexec_fn=lambda: os.umask(umask))
    assert done.returncode == 0, done.stderr
    written = sorted(tmp_path.glob("out*"))
    assert [p.name for p in written] == [
        "out-step0001.png",
        "out-step0002.png",
        "out.json",
        "out.png",
    ]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {oct(expected)}


def test_replacing_a_file_keeps_its_mode(tmp_path):
    from nst_helpers.plumbing.files import save_image

    path = tmp_path / "shared.png"
    save_image(np.zeros((1, 40, 40, 3), np.float32), path)
    path.chmod(0o640)
    save_image(np.ones((1, 40, 40, 3), np.float32), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# 4. Signals other than Ctrl-C ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name
)
def test_a_signal_writes_the_best_image_so_far_and_its_record(pictures, tmp_path, signum):
    output = tmp_path / "out.png"
    process = start(cli(pictures, output), environment(tmp_path))
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err and stderr_lines(err)[-1].startswith("stopped: interrupted")
    record = json.loads(output.with_suffix(".json").read_text())
    assert record["stopped"] == "interrupted" and record["steps_run"] >= 1
    if signum != signal.SIGINT:
        assert f"by {signum.name}" in record["message"]
    assert Image.open(output).size == (64, 48)
    assert hidden_files(tmp_path) == []


def test_a_signal_during_the_loop_stops_it_between_two_steps(photo, texture):
    """No exception is raised inside TensorFlow's code: the loop sees the signal at its next step."""
    from nst_helpers.core.optimize import stylize
    from nst_helpers.plumbing.signals import stop_on_signals

    def send(step, image, losses):
        if step == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    with stop_on_signals():
        result = stylize(
            photo,
            texture,
            architecture="vgg16",
            weights=None,
            steps=10,
            max_dim=128,
            callback=send,
            callback_every=1,
        )
    assert result.stopped == "interrupted" and result.interrupted_by == signal.SIGTERM
    assert (
        len(result.history) == 2 and "interrupted by SIGTERM after 2 of 10 steps" in result.message
    )


def test_a_signal_before_the_loop_writes_nothing_and_says_so(pictures, tmp_path):
    process = subprocess.Popen(
        cli(pictures, tmp_path / "out.png"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(tmp_path),
        cwd=ROOT,
    )
    wait_until_catching(process.pid, signal.SIGTERM)  # then it imports TensorFlow for seconds
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert stderr_lines(err) == [
        "stopped: interrupted before the optimization started; nothing was written"
    ]
    assert not (tmp_path / "out.png").exists()


def test_a_write_interrupted_midway_leaves_the_old_file_and_no_temporary_file(tmp_path):
    from nst_helpers.plumbing.files import write_atomically

    path = tmp_path / "result.png"
    path.write_bytes(b"old")

    def interrupted(tmp: Path) -> None:
        tmp.write_bytes(b"half of the new")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, interrupted)
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["result.png"]


# 5. Sizes checked before resizing; no silent enlarging; slow runs announced ------------------------


@pytest.mark.parametrize("role", ["content", "style"])
def test_an_elongated_image_is_refused_with_the_size_the_network_would_see(
    capsys, pictures, tmp_path, role
):
    banner = tmp_path / "banner.png"
    Image.new("RGB", (2000, 40), "red").save(banner)
    images = (banner, pictures[1]) if role == "content" else (pictures[0], banner)
    code = main(
        [
            "stylize",
            str(images[0]),
            str(images[1]),
            "-o",
            str(tmp_path / "o.png"),
            "--max-dim",
            "512",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and len(stderr_lines(err)) == 1, err
    assert (
        "is 2000x40 px, so the network would see 512x10 px" in err
        and "use --max-dim 1600 or more" in err
    )


def test_images_are_not_enlarged_unless_asked(capsys, tmp_path):
    from nst_helpers.core.images import load_image

    assert load_image("chelsea", 3000).shape == (1, 300, 451, 3)
    assert load_image("chelsea", 902, upscale=True).shape == (1, 600, 902, 3)
    output = tmp_path / "o.png"
    assert (
        main(
            [
                "stylize",
                "chelsea",
                "swirls",
                "-o",
                str(output),
                "--max-dim",
                "3000",
                "--steps",
                "1",
                "--weights",
                "none",
                "--arch",
                "vgg16",
            ]
        )
        == 0
    )
    assert Image.open(output).size == (451, 300)


def test_flops_are_counted_from_the_layer_shapes():
    """VGG16's 13 convolutions at 224 x 224 px: 15.35 G multiply-adds, 30.7 GFLOP (Simonyan & Zisserman)."""
    from nst_helpers.core.models import build_extractor
    from nst_helpers.plumbing.estimate import graph_cost

    extractor = build_extractor("vgg16", ["block5_conv3"], weights=None)
    gflop, output_gib = graph_cost(extractor, 224, 224)
    assert gflop == pytest.approx(30.7, rel=0.01)
    assert 0.05 < output_gib < 0.5
    assert graph_cost(extractor, 448, 448)[0] == pytest.approx(4 * gflop, rel=0.01)


def test_a_run_too_large_for_memory_is_refused_and_a_slow_one_announced():
    from nst_helpers.plumbing.estimate import RunCost, check_run_cost

    fits = RunCost(
        gflop_per_step=10, seconds_per_step=0.1, memory_gib=2, available_gib=20, machine_gflops=100
    )
    assert check_run_cost(fits, steps=300, max_dim=512) is None
    slow = RunCost(
        gflop_per_step=4000,
        seconds_per_step=40,
        memory_gib=12,
        available_gib=20,
        machine_gflops=100,
    )
    notice = check_run_cost(slow, steps=300, max_dim=3000)
    assert "about 40 s per step (300 steps: 3 h 20 min)" in notice and "12.0 GiB" in notice
    huge = RunCost(
        gflop_per_step=9000,
        seconds_per_step=90,
        memory_gib=41,
        available_gib=20,
        machine_gflops=100,
    )
    with pytest.raises(
        NSTError,
        match=r"needs about 41 GiB of memory but 20 GiB are available; use max_dim \d+ or less",
    ):
        check_run_cost(huge, steps=300, max_dim=4096)


# 6. The Python API converts what a notebook user passes, or says what is wrong ---------------------


def test_stylize_accepts_what_a_notebook_user_passes():
    from nst_helpers.core.optimize import stylize

    rng = np.random.default_rng(0)
    uint8_photo = (rng.random((40, 56, 3)) * 255).astype(np.uint8)  # no batch axis, 0-255
    gray_texture = rng.random((48, 48)).astype(np.float32)  # (H, W) in [0, 1]
    pil_texture = Image.fromarray((gray_texture * 255).astype(np.uint8))
    for style in (gray_texture, pil_texture):
        result = stylize(
            uint8_photo,
            style,
            architecture="vgg16",
            weights=None,
            steps=1,
            max_dim=64,
            init="content",
        )
        assert result.image.shape == (1, 40, 56, 3)
        np.testing.assert_allclose(
            result.history[0]["content"], 0.0
        )  # started from the photo, scaled to [0, 1]


@pytest.mark.parametrize(
    "array, match",
    [
        (
            np.full((40, 40, 3), 200.0, np.float32),
            "float values from 200 to 200; pass floats in [0, 1]",
        ),
        (np.full((40, 40, 3), np.nan, np.float32), "NaN or infinite values"),
        (np.zeros((8, 8, 3), np.float32), "each side must be at least 32 px"),
        (np.zeros((2, 40, 40, 3), np.float32), "a batch of 2 images"),
        (np.zeros((3, 40, 40), np.float32), "channels first"),
        (np.zeros((40, 40, 5), np.float32), "has shape (40, 40, 5)"),
        ("not-an-image-name", "is not a file, a URL or a known image"),
    ],
)
def test_stylize_says_what_is_wrong_with_an_input_in_one_line(array, match):
    from nst_helpers.core.optimize import stylize

    with pytest.raises(NSTError) as exc:
        stylize(array, np.zeros((40, 40, 3), np.uint8), architecture="vgg16", weights=None, steps=1)
    assert match in str(exc.value) and "\n" not in str(exc.value)


def test_load_image_takes_pil_images_and_arrays():
    from nst_helpers.core.images import load_image

    pil = Image.new("RGBA", (80, 60), (255, 0, 0, 0))
    assert (
        load_image(pil, 64).shape == (1, 48, 64, 3) and load_image(pil, 64).min() == 1.0
    )  # transparent -> white
    array = np.zeros((1, 60, 80, 3), np.uint8)
    assert load_image(array, None).shape == (1, 60, 80, 3)
    assert load_image(np.full((60, 80), 65535, np.uint16), None).max() == 1.0


# 7. The real cause and the right advice ------------------------------------------------------------


def test_an_unreadable_file_is_called_unreadable(pictures, tmp_path):
    secret = tmp_path / "secret.png"
    shutil.copy(pictures[0], secret)
    secret.chmod(0o000)
    done = run_cli(
        unprivileged(cli((secret, pictures[1]), tmp_path / "o.png", steps="1")), tmp_path
    )
    assert done.returncode == 2
    assert stderr_lines(done.stderr) == [
        f"error: cannot read {secret}: permission denied; check its permissions or copy it somewhere readable"
    ]


def test_a_large_real_photo_is_not_called_a_decompression_bomb(tmp_path):
    from nst_helpers.core.images import load_image

    path = tmp_path / "95mp.png"
    Image.new("1", (9800, 9700), 1).save(
        path
    )  # 95 megapixels, over Pillow's own 89-megapixel warning
    assert load_image(path, 64).shape == (1, 63, 64, 3)


def test_a_float_image_with_nan_pixels_is_refused(tmp_path):
    from nst_helpers.core.images import load_image

    values = np.full((40, 40), 0.5, np.float32)
    values[3, 3] = np.nan
    path = tmp_path / "nan.tif"
    Image.fromarray(values, "F").save(path)
    with pytest.raises(NSTError, match="has NaN or infinite pixels"):
        load_image(path)


# 8. Only the project's own lines on the terminal ---------------------------------------------------


def test_a_command_line_run_prints_only_its_own_lines(pictures, tmp_path):
    done = run_cli(cli(pictures, tmp_path / "out.png", "--save-every", "1", steps="2"), tmp_path)
    assert done.returncode == 0, done.stderr
    for line in stderr_lines(done.stderr):  # only the progress bar
        assert line.startswith("out.png: "), line
    for line in done.stdout.splitlines():
        assert line.startswith(("NOTE: ", "vgg16 (random weights)", "wrote ")), line


def test_a_failing_run_after_tensorflow_loaded_prints_one_line(pictures, tmp_path):
    done = run_cli(
        cli(pictures, tmp_path / "out.png", "--style-layers", "block9_conv1", steps="1"), tmp_path
    )
    assert done.returncode == 2
    assert len(stderr_lines(done.stderr)) == 1 and done.stderr.startswith(
        "error: unknown layer(s) block9_conv1"
    )
