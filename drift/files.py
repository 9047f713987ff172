"""Writing files the way a user's other tools can read them: atomically, with normal modes."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# flags and attempts as tempfile.mkstemp has them; see _create_temporary
_CREATE_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_NAME_ATTEMPTS = 10_000


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back (a one-shot CLI).
    current = os.umask(0o022)
    os.umask(current)
    return current


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new hidden file beside `path`, opened 0600 and exclusively, as mkstemp makes one.

    tempfile itself is not imported: it brings shutil and random (with them bz2,
    lzma, …), which every action run would load just to pick this one name.
    """
    for _ in range(_NAME_ATTEMPTS):
        candidate = path.parent / f".{path.name}.{os.urandom(6).hex()}"
        try:
            return os.open(candidate, _CREATE_FLAGS, 0o600), candidate
        except FileExistsError:
            continue  # another writer's name: draw again
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


def write_text_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` in one step, so no reader ever sees half a file.

    The new file gets the mode the file had, or, for a new file, the mode `open()`
    would give it under the umask (0644 typically), not mkstemp's 0600: under
    `engine: docker` the writer is root and the runner user's upload steps must read it.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # by name, after writing: os.fchmod exists on Windows only from Python 3.13
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
