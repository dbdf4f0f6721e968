"""Writing files safely: atomic, with the umask's permissions, checked before the work (notebook 05).

No image or record is ever left half-written: each is written to a hidden temporary file beside its
destination and renamed over it. A place that cannot be written is found before a run starts, and
a result that cannot be written at the end is kept in the temporary folder instead of being lost.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from PIL import Image

from nst_helpers.core.errors import NSTError
from nst_helpers.core.images import to_uint8
from nst_helpers.core.machine import proc_fields

SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
TEMP_PREFIX = ".nst-"
TEMP_SUFFIX = ".tmp"
STALE_AFTER = 3600.0
"""Seconds after which a temporary file without a process number (an older version's) is stale."""


def temp_prefix() -> str:
    """The start of this process's temporary names, ``.nst-<pid>-``: a later run can tell from the
    process number whether the writer is gone (a SIGKILL leaves its file behind)."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def remove_stale_temporaries(folder: Path) -> None:
    """Remove this program's temporary files in ``folder`` whose writing process is gone."""
    try:
        candidates = list(folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))
    except OSError:
        return
    for path in candidates:
        pid = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        try:
            if pid.isdigit():
                stale = not _process_alive(int(pid))
            else:
                stale = time.time() - path.stat().st_mtime > STALE_AFTER
            if stale and path.is_file():
                path.unlink()
        except OSError:
            pass


def current_umask() -> int:
    """The process's umask (read from /proc where it can be, so it is never changed even briefly)."""
    umask = proc_fields("self/status").get("Umask")
    if umask:
        return int(umask, 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_for(path: Path) -> int:
    """The replaced file's permissions, or for a new file what the umask allows (0666 minus the umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def reason(exc: OSError) -> str:
    """An OSError's cause in a few words ("permission denied", "no space left on device")."""
    text = exc.strerror or str(exc) or type(exc).__name__
    return text[0].lower() + text[1:] if text else text


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents, or say in one line why it cannot be created."""
    if folder.is_dir():
        return
    blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise NSTError(
            f"cannot create folder {folder}: {blocker} is a file, not a folder; choose another output path"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NSTError(
            f"cannot create folder {folder}: {reason(exc)}; choose another output path"
        ) from None


def check_names(path: Path, extra_names: tuple[str, ...] = ()) -> None:
    """Raise a one-line ``NSTError`` if ``path``'s name (or one of ``extra_names`` beside it) is longer
    than its file system allows. Done before anything looks at the path, which would fail obscurely."""
    existing = next((p for p in path.parents if os.path.isdir(p)), Path("."))
    try:
        name_max = os.pathconf(existing, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    for name in (*(part for part in path.parts if part != path.anchor), *extra_names):
        if len(os.fsencode(name)) > name_max:
            raise NSTError(
                f"the name {name[:40]}... is {len(os.fsencode(name))} bytes, over this file system's limit of "
                f"{name_max}; choose a shorter name"
            )


def check_writable(path: Path) -> None:
    """Raise a one-line ``NSTError`` unless ``path``'s folder can be written (check the names first,
    with :func:`check_names`).

    Creates the folder if needed, and writes and removes a probe file, so that a read-only folder or
    a full disk is found before a run, not after it.
    """
    folder = path.parent
    make_folder(folder)
    try:
        fd, probe = tempfile.mkstemp(prefix=temp_prefix(), suffix=TEMP_SUFFIX, dir=folder)
        try:
            os.write(fd, b"probe")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise NSTError(
            f"cannot write in {folder}: {reason(exc)}; choose another output folder"
        ) from None


def write_atomically(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a hidden temporary file beside ``path``, then rename it over ``path``.

    The file gets the replaced file's permissions, or the umask's for a new file. A crash, a full
    disk, Ctrl-C or another signal while writing leaves the old file (if any) untouched and no
    temporary file behind. Missing parent folders are created.
    """
    path = Path(path)
    make_folder(path.parent)
    if path.is_dir():
        raise NSTError(
            f"cannot write {path}: a folder of that name is in the way; choose another name"
        )
    remove_stale_temporaries(path.parent)
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=temp_prefix(), suffix=TEMP_SUFFIX, dir=path.parent)
        tmp = Path(tmp_name)
        os.close(fd)
        write(tmp)
        os.chmod(tmp, mode_for(path))
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        advice = (
            "free some disk space"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else "check the path"
        )
        raise NSTError(f"cannot write {path}: {reason(exc)}; {advice}") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return path


def write_text_atomically(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    return write_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def rescue_path(name: str) -> Path:
    """Where a result that could not be written goes instead: the temporary folder, with a time stamp."""
    return Path(tempfile.gettempdir()) / f"nst-rescued-{time.strftime('%Y%m%d-%H%M%S')}-{name}"


def encoder(image: Any, path: str | os.PathLike, quality: int = 95) -> Any:
    """A function ``write(file)`` that saves ``image`` (in [0, 1]) in ``path``'s format (PNG or JPEG)."""
    path = Path(path)
    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise NSTError(f"cannot save {path}: use a .png, .jpg or .jpeg file name")
    pil = Image.fromarray(to_uint8(image), "RGB")
    options = {"quality": quality} if fmt == "JPEG" else {}
    return lambda target: pil.save(target, format=fmt, **options)


def save_image(image: Any, path: str | os.PathLike, quality: int = 95) -> Path:
    """Save an image in [0, 1] as PNG or JPEG (by the file's suffix), atomically: never half-written."""
    return write_atomically(path, encoder(image, path, quality))
