"""Writing files the way a user's other tools can read them: atomically, with normal modes."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back (a one-shot CLI).
    current = os.umask(0o022)
    os.umask(current)
    return current


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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
