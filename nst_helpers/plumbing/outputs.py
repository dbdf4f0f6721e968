"""A run's results on disk: the image and its JSON record, checked before the run and written as a
pair after it (used by the command line).

Before any heavy work: the image's suffix, that it is not an input, that its folder can be created
and written, that the names fit the file system, and that ``OUT.json`` is not somebody's own file.
After the run: the image, then its record. If the image cannot be written (a folder made read-only
or a disk filled during the run), both go to the temporary folder and the message says where; if
only the record fails, the message says exactly that.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

from nst_helpers.core.errors import NSTError, shown
from nst_helpers.core.sources import is_url
from nst_helpers.plumbing.files import (
    SAVE_FORMATS,
    check_names,
    check_writable,
    reason,
    rescue_path,
    save_image,
    write_text_atomically,
)

WRITTEN_BY = "nst_helpers"
"""The record's ``written_by`` starts with this, so a record can be told from a user's own JSON file."""


def record_path(output: Path) -> Path:
    """The JSON record beside an image: ``OUT.png`` -> ``OUT.json``."""
    return output.with_suffix(".json")


def snapshot_path(output: Path, step: int) -> Path:
    """The image saved every N steps: ``OUT-step0010.png``."""
    return output.with_name(f"{output.stem}-step{step:04d}{output.suffix}")


def is_record(path: Path) -> bool:
    """True for a JSON record this package wrote (also those written before ``written_by`` existed)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict):
        return False
    return str(data.get("written_by", "")).startswith(WRITTEN_BY) or WRITTEN_BY in (
        data.get("versions") or {}
    )


def check_output(output: Path, inputs: Sequence[Any], steps: int = 1, save_every: int = 0) -> Path:
    """Check, before the run, that the image, its record and its snapshots can be written, and that
    nothing of the user's would be lost. Raises a one-line ``NSTError``; returns ``output``."""
    if not str(output).isprintable():
        raise NSTError(
            f"output {shown(output)} has a control character (a newline or tab) in its name; "
            "choose a plain name"
        )
    if output.suffix.lower() not in SAVE_FORMATS:
        raise NSTError(f"output {output} must end in .png, .jpg or .jpeg")
    record = record_path(output)
    extra = (record.name, snapshot_path(output, steps).name) if save_every else (record.name,)
    check_names(output, extra)
    if output.is_dir():
        raise NSTError(
            f"output {output} is a folder; give a file name such as {output / 'result.png'}"
        )
    for source in inputs:
        if (
            not is_url(source)
            and Path(source).exists()
            and output.exists()
            and output.samefile(source)
        ):
            raise NSTError(
                f"output {output} is an input image; choose another name so the input is not overwritten"
            )
    if record.is_dir():
        raise NSTError(
            f"the record {record} would be written beside the image, but it is a folder; choose another output name"
        )
    for path in (output, record):
        if path.exists() and not path.is_file():
            raise NSTError(
                f"{path} exists and is not a regular file (a FIFO or a device?); choose another "
                "output name"
            )
    if record.exists() and not is_record(record):
        raise NSTError(
            f"{record} exists and is not a record written by this course; the run's record would replace it, "
            "so move it or choose another output name"
        )
    check_writable(output)
    return output


@contextlib.contextmanager
def claimed(output: Path) -> Iterator[None]:
    """Hold ``output`` for one run: a second run writing the same image meanwhile is refused in one
    line instead of both saying "wrote" and one result being lost. The claim is an exclusive lock on
    a hidden file beside the image, released by the system even if the process is killed."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; runs are not kept apart there
        yield
        return
    lock = output.with_name(f".{output.name}.nst-lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise NSTError(
                f"cannot write in {output.parent}: {reason(exc)}; choose another output folder"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise NSTError(
                f"another run is writing {output} now; wait for it to finish or choose another "
                "output name"
            ) from None
        try:
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break  # locked the file that is there, not one its last holder just removed
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # a folder made read-only meanwhile keeps it: harmless
            lock.unlink(missing_ok=True)
        os.close(fd)


def rescue(image: Any, output: Path, record_text: str) -> tuple[Path, Path]:
    """Write the image and its record to the temporary folder, for when their place failed."""
    image_path = save_image(image, rescue_path(output.name))
    record = write_text_atomically(record_path(image_path), record_text)
    return image_path, record


def write_results(image: Any, output: Path, record: dict[str, Any]) -> Path:
    """Write ``image`` to ``output`` and ``record`` beside it; returns the record's path.

    Raises a one-line ``NSTError`` that says exactly what was written and where, if anything failed.
    """
    record = {
        "written_by": f"{WRITTEN_BY} {record.get('versions', {}).get(WRITTEN_BY, '')}".strip(),
        **record,
    }
    text = json.dumps(record, indent=2) + "\n"
    record_file = record_path(output)
    try:
        save_image(image, output)
    except NSTError as failure:
        try:
            kept, kept_record = rescue(image, output, text)
        except NSTError as also:
            raise NSTError(
                f"{failure}; keeping it in the temporary folder failed too ({also}); nothing was written"
            ) from None
        raise NSTError(
            f"{failure}; the image was kept at {kept} and its record at {kept_record}"
        ) from None
    try:
        write_text_atomically(record_file, text)
    except NSTError as failure:
        removed = ""
        if record_file.is_file() and is_record(record_file):
            record_file.unlink(missing_ok=True)
            removed = f"; the old {record_file.name} was removed so that it does not describe the new image"
        raise NSTError(f"wrote {output}, but not its record: {failure}{removed}") from None
    return record_file


def run_record(
    result: Any, content: str, style: str, output: str, seconds: float
) -> dict[str, Any]:
    """The JSON record written beside the image (by the command line and the playground)."""
    from dataclasses import asdict

    from nst_helpers.core.machine import gpu_names
    from nst_helpers.core.setup import versions

    return {
        "content": content,
        "style": style,
        "output": output,
        "settings": asdict(result.settings),
        "weights_used": result.run.weights_label,
        "precision_used": result.run.policy,
        "precision_reason": result.run.precision_reason,
        "notice": result.run.notice,
        "stopped": result.stopped,
        "message": result.message,
        "steps_run": len(result.history),
        "best_step": result.best_step,
        "final_losses": result.final_losses,
        "median_step_seconds": result.median_step_seconds,
        "total_seconds": seconds,
        "image_size": list(result.image.shape[1:3]),
        "devices": gpu_names() or ["CPU"],
        "versions": versions(),
    }
