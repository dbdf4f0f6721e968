"""What the command line does with odd inputs and places (issue 19's command-line points): it never
hangs on a FIFO or a device, says "permission denied" and the path, refuses control characters in an
output name, keeps --save-every snapshots when their place fails, removes temporary files left by a
killed run, lets only one run write an output at a time, and fetches URLs under the download policy."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from hostile import Hostile
from PIL import Image
from test_reliability import HEADER, cli, environment, run_cli, start, stderr_lines, unprivileged

from nst_helpers.cli.main import main
from nst_helpers.core.errors import NSTError
from nst_helpers.core.settings import Settings


def one_line(done: subprocess.CompletedProcess) -> str:
    lines = stderr_lines(done.stderr)
    assert done.returncode == 2 and len(lines) == 1, done.stderr
    return lines[0]


def test_a_fifo_given_as_an_image_is_refused_without_opening_it(pictures, tmp_path):
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    done = run_cli(cli((fifo, pictures[1]), tmp_path / "out.png"), tmp_path)  # would hang forever
    assert (
        one_line(done)
        == f"error: {fifo} is a FIFO, not an image file; save the image to a file first"
    )


def test_standard_input_given_as_an_image_is_refused(pictures, tmp_path):
    done = run_cli(
        cli(("/dev/stdin", pictures[1]), tmp_path / "out.png"), tmp_path, stdin=subprocess.PIPE
    )
    assert one_line(done).startswith("error: /dev/stdin is a FIFO, not an image file")


def test_a_device_given_as_an_image_is_refused(pictures, tmp_path):
    done = run_cli(cli(("/dev/zero", pictures[1]), tmp_path / "out.png"), tmp_path)
    assert (
        one_line(done)
        == "error: /dev/zero is a device, not an image file; save the image to a file first"
    )


def test_an_unsearchable_folder_says_permission_denied_and_the_path(pictures, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    photo = locked / "photo.png"
    Image.open(pictures[0]).save(photo)
    locked.chmod(0o000)
    try:
        done = run_cli(unprivileged(cli((photo, pictures[1]), tmp_path / "out.png")), tmp_path)
        line = one_line(done)
        out = run_cli(unprivileged(cli(pictures, locked / "out.png")), tmp_path)
        out_line = one_line(out)
    finally:
        locked.chmod(0o755)
    assert "permission denied" in line and str(photo) in line, line
    assert "permission denied" in out_line and str(locked) in out_line, out_line


def test_a_learning_rate_given_as_text_is_one_line():
    with pytest.raises(NSTError, match=r"learning_rate='0.1' is out of range; use a number"):
        Settings(learning_rate="0.1").checked()


@pytest.mark.parametrize("name", ["a\nb.png", "tab\there.png", "bell\x07.png"])
def test_a_control_character_in_an_output_name_is_refused(capsys, pictures, tmp_path, name):
    code = main(cli(pictures, tmp_path / name, steps="1")[3:])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "has a control character (a newline or tab) in its name" in err
    assert list(tmp_path.glob("*.png")) == list(tmp_path.glob("[cs]*.png"))  # only the inputs


def test_an_existing_fifo_or_device_as_output_is_refused(capsys, pictures, tmp_path):
    fifo = tmp_path / "out.png"
    os.mkfifo(fifo)
    assert main(cli(pictures, fifo, steps="1")[3:]) == 2
    assert "is not a regular file" in capsys.readouterr().err
    record_fifo = tmp_path / "other.json"
    os.mkfifo(record_fifo)  # the record beside the image: reading it would hang
    assert main(cli(pictures, tmp_path / "other.png", steps="1")[3:]) == 2
    assert "other.json exists and is not a regular file" in capsys.readouterr().err


def test_a_killed_runs_temporary_files_are_removed(capsys, pictures, tmp_path):
    gone = subprocess.Popen(["true"])  # a process that has ended, as a killed run has
    gone.wait()
    stale = tmp_path / f".nst-{gone.pid}-x1y2z3.tmp"
    stale.write_bytes(b"")  # what SIGKILL during a write leaves
    alive = tmp_path / f".nst-{os.getpid()}-a1b2c3.tmp"  # a writer still running: kept
    alive.write_bytes(b"")
    assert main(cli(pictures, tmp_path / "out.png", steps="1")[3:]) == 0, capsys.readouterr().err
    assert not stale.exists() and alive.exists()


def test_two_runs_cannot_both_claim_the_same_output(pictures, tmp_path):
    output = tmp_path / "out.png"
    env = environment(tmp_path)
    first = start(cli(pictures, output), env)
    try:
        second = run_cli(cli(pictures, output, steps="2"), tmp_path)
        assert one_line(second) == (
            f"error: another run is writing {output} now; wait for it to finish or choose another "
            "output name"
        )
        assert HEADER not in second.stdout
    finally:
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=120)
    assert f"wrote {output}" in out, err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no lock left
    again = run_cli(cli(pictures, output, steps="1"), tmp_path)  # free again
    assert again.returncode == 0, again.stderr


def test_save_every_keeps_going_when_its_folder_fails_and_the_final_image_is_kept(
    pictures, tmp_path
):
    folder = tmp_path / "out"
    folder.mkdir()
    env = environment(tmp_path)
    process = start(unprivileged(cli(pictures, folder / "out.png", "--save-every", "2")), env)
    folder.chmod(0o555)  # the place fails during the run, as a full disk would
    try:
        snapshots_before = len(list(folder.glob("out-step*.png")))
        rescued = tmp_path / "tmp"
        deadline = 60
        start_time = time.monotonic()
        while not list(rescued.glob("nst-rescued-*out-step*.png")):
            assert time.monotonic() - start_time < deadline, "no snapshot was kept elsewhere"
            time.sleep(0.2)
        assert process.poll() is None  # the run goes on
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=120)
    finally:
        folder.chmod(0o755)
    assert snapshots_before >= 1
    assert "this snapshot was kept at" in out
    last = stderr_lines(err)[-1]
    assert "the image was kept at" in last, err  # the final image too, in the temporary folder
    kept = sorted(rescued.glob("nst-rescued-*-out.png"))
    assert kept and Image.open(kept[0]).size == (64, 48)


def test_urls_are_public_only_unless_allowed(capsys, pictures, tmp_path):
    with Hostile() as server:
        url = f"{server.base}/photo.png"
        assert (
            main(["stylize", url, str(pictures[1]), "-o", str(tmp_path / "a.png"), "--steps", "1"])
            == 2
        )
        err = capsys.readouterr().err
        assert "is not a public internet address" in err and len(err.splitlines()) == 1
        argv = cli((url, pictures[1]), tmp_path / "b.png", "--allow-private-urls", steps="1")[3:]
        assert main(argv) == 0, capsys.readouterr().err
        assert server.hits["/photo.png"] == 1
    with pytest.raises(SystemExit):
        main(["stylize", "--help"])
    assert "--allow-private-urls" in capsys.readouterr().out
