"""Reading local files (snapshots, `_metadata.json`, the config) without trusting them.

A schema dir is whatever a pull request put there: a `*.json` may be a FIFO (a plain
open waits forever for a writer), a device (endless), a symlink loop, gigabytes, or
YAML that expands to millions of values. Each of those becomes an `UnusableFile`
whose message states the problem and the limit; callers add the file's name.
"""

from __future__ import annotations

import errno
import functools
import os
import stat
from pathlib import Path
from typing import Any

from drift.documents import MAX_DOCUMENT_BYTES, DocumentError, check_tree, nesting_error, too_large

MAX_YAML_BYTES = 256 * 1024
"""One YAML document, as bytes. PyYAML builds every value in Python: the worst 256 KiB
take about 2 s of CPU on libyaml (about 25 s on PyYAML's pure-Python parser), where a
real schema is a few KiB. Larger schemas belong in JSON."""

_CHUNK = 64 * 1024
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class UnusableFile(Exception):
    """A file that is present but cannot be used; the message leaves its name to the caller."""


class NotRegularFile(UnusableFile):
    """Not a file at all (a FIFO, socket, device, directory, or a link that leads nowhere)."""


def located(name: str, message: str) -> str:
    """`name:3:8: invalid JSON …` for a message that starts at a line:column, else
    `name: message`: the form editors and CI annotations jump from."""
    head = message.split(":", 2)
    return f"{name}:{message}" if len(head) == 3 and head[0].isdigit() else f"{name}: {message}"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(mode: int) -> NotRegularFile:
    return NotRegularFile(f"is {_kind(mode)}, not a regular file; only regular files are read")


def _open_error(path: Path, exc: OSError) -> UnusableFile:
    if exc.errno == errno.ELOOP:
        return NotRegularFile("is a symlink loop (too many levels of symbolic links); fix the link")
    try:  # a second look, only to say what is there; it may have changed meanwhile
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return NotRegularFile(f"is a dangling symlink (→ {os.readlink(path)}); fix the link")
        if exc.errno == errno.ENXIO:  # a socket cannot be opened at all
            return _not_regular(os.stat(path).st_mode)
    except OSError:
        pass
    return UnusableFile(f"cannot read: {exc.strerror or exc}")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused unless it is a regular file of at most MAX_DOCUMENT_BYTES.

    O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer;
    the kind and size come from fstat on the opened descriptor, so a file swapped
    after a check cannot slip through. At most limit + 1 bytes are ever read (a file
    may grow, or report size 0 as /proc files do).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _open_error(path, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(info.st_mode)
        if info.st_size > MAX_DOCUMENT_BYTES:
            raise UnusableFile(str(too_large(info.st_size)))
        data = _read_at_most(fd, MAX_DOCUMENT_BYTES + 1, info.st_size)
    except OSError as exc:
        raise UnusableFile(f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UnusableFile(str(too_large(len(data))))
    return data


def _read_at_most(fd: int, limit: int, expected: int) -> bytes:
    # The first read asks for the whole file (it usually gets it); the next one sees EOF.
    chunks: list[bytes] = []
    size, want = 0, expected + 1 if expected else _CHUNK
    while size < limit:
        chunk = os.read(fd, min(limit - size, want))
        if not chunk:
            break
        chunks.append(chunk)
        size, want = size + len(chunk), _CHUNK
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_text(path: Path) -> str:
    """`read_bytes` decoded as UTF-8 (a leading BOM is dropped)."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableFile(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


@functools.cache
def yaml_loader() -> Any:
    """PyYAML's safe loader, on libyaml when PyYAML has it, without implicit timestamps.

    libyaml scans 10 to 30 times faster than PyYAML's Python scanner and stops nesting at
    1000 levels on its own; the Python fallback recurses (RecursionError, caught).
    """
    import yaml  # noqa: PLC0415  (only needed when YAML files exist)

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc]
        """Safe loading; dates stay strings, as in JSON: schemas are JSON."""

    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in base.yaml_implicit_resolvers.items()
    }
    return Loader


def parse_yaml(text: str) -> Any:
    """One YAML document as JSON values; every limit of `drift.documents` applies.

    Raises UnusableFile: invalid YAML (with line:column when PyYAML has them), too
    large, too deep, an alias bomb or a recursive alias, a key that is not a string,
    a value JSON cannot hold (NaN, Infinity, an integer past MAX_INT_DIGITS, a date
    or binary from an explicit tag).
    """
    import yaml  # noqa: PLC0415

    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_YAML_BYTES:
        raise UnusableFile(
            f"YAML document larger than {MAX_YAML_BYTES} bytes ({size} bytes; limit "
            "MAX_YAML_BYTES, 256 KiB); save a schema this large as JSON"
        )
    try:
        document = yaml.load(text, Loader=yaml_loader())  # noqa: S506 (a SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark else ""
        raise UnusableFile(f"{where}invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise UnusableFile(f"invalid YAML: {exc}") from None
    except RecursionError:  # the pure-Python composer recurses once per level
        raise UnusableFile(str(nesting_error())) from None
    except ValueError as exc:  # `!!int 0x`, `!!float x`, an integer past 4300 digits
        raise UnusableFile(f"invalid YAML: a value does not fit its type: {exc}") from None
    except (TypeError, AttributeError, LookupError, ArithmeticError):
        # SafeConstructor's own failures on bad explicit tags, e.g. `!!bool maybe`
        # (KeyError) or `!!timestamp x` (AttributeError): nothing worth quoting.
        raise UnusableFile(
            "invalid YAML: a value does not fit its explicit tag (e.g. `!!bool maybe`); "
            "remove the tag"
        ) from None
    try:
        check_tree(document, yaml_values=True)
    except DocumentError as exc:
        raise UnusableFile(str(exc)) from None
    return document
