"""Local JSON Schema snapshots: find, parse, identify, hash.

Every file that cannot be used becomes a `LoadProblem` naming the file, so the
report shows it as an error instead of silently checking fewer schemas.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from drift.documents import DocumentError, loads_json
from drift.hashing import compute_sha256
from drift.linemap import JsonLines, Lines, YamlLines
from drift.localfiles import UnusableFile, parse_yaml, read_text
from drift.records import Record, Row

METADATA_FILE = "_metadata.json"
SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")


class Metadata(Row):
    """What `_metadata.json` says about the snapshots beside it."""

    track: str | None
    version: str | None
    fetched_at: str | None
    raw: dict[str, Any]


class Snapshot(Record):
    """A local schema file, read and hashed; its line map is made when first asked for."""

    __slots__ = (
        "_lines",
        "content",
        "file",
        "identity",
        "path",
        "schema_id",
        "sha256",
        "text",
        "version",
    )
    unshown = ("content", "text")

    def __init__(
        self,
        identity: str,
        schema_id: str | None,
        path: Path,
        file: str,  # relative to the working directory, "/"-separated
        content: dict[str, Any],
        text: str,
        sha256: str,
        version: str | None,
    ) -> None:
        self.identity, self.schema_id, self.path, self.file = identity, schema_id, path, file
        self.content, self.text, self.sha256, self.version = content, text, sha256, version
        self._lines: Lines | None = None

    @property
    def lines(self) -> Lines:
        if self._lines is None:
            self._lines = document_lines(self.path, self.text)
        return self._lines


class LoadProblem(Row):
    identity: str
    path: Path
    file: str
    message: str


class LocalSnapshots(Row):
    snapshots: list[Snapshot]
    problems: list[LoadProblem]
    metadata: Metadata | None


Unusable = UnusableFile  # public: sources that read snapshots elsewhere (git) raise and catch it


def display_path(path: Path, cwd: Path) -> str:
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return path.as_posix()


def find_schema_files(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Schema files under root (sorted), plus symlinks that point outside it.

    Hidden files and directories are skipped; symlinked directories are never
    followed (no cycles, no double counting). os.scandir's entries answer "is it a
    directory / a symlink" without a system call per file.
    """
    real_root = Path(os.path.realpath(root))
    files: list[tuple[tuple[str, ...], Path]] = []
    escapes: list[tuple[Path, str]] = []

    def escaped(path: str, what: str) -> bool:
        # realpath, unlike Path.resolve on 3.11, does not raise on a symlink loop: the
        # loop stays in the list and reading it reports it, naming the file.
        target = Path(os.path.realpath(path))
        if target.is_relative_to(real_root):
            return False
        escapes.append((Path(path), f"{what} leaves the schema dir (→ {target})"))
        return True

    # A stack, not recursion: a directory tree can be deeper than Python's stack.
    pending: list[tuple[str, tuple[str, ...]]] = [(os.fspath(root), ())]
    while pending:
        folder, parts = pending.pop()
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue  # unreadable: as os.walk, skipped
        subdirs = []
        for entry in entries:
            if entry.name.startswith(".") or not _is_dir(entry):
                continue
            if entry.is_symlink():
                escaped(entry.path, "symlinked directory")
            else:
                subdirs.append(entry)
        for entry in entries:
            name = entry.name
            if name.startswith(".") or _is_dir(entry):
                continue
            if os.path.splitext(name)[1].lower() not in SCHEMA_SUFFIXES:
                continue
            if entry.is_symlink() and escaped(entry.path, "symlink"):
                continue
            files.append(((*parts, name), Path(entry.path)))
        pending.extend((entry.path, (*parts, entry.name)) for entry in reversed(subdirs))

    files.sort(key=lambda item: item[0])
    return [path for _, path in files], escapes


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether an entry is (or links to) a directory; a symlink loop is not one."""
    try:
        return entry.is_dir()
    except OSError:  # ELOOP: it stays a file candidate, and reading it says why it fails
        return False


def is_json(path: Path) -> bool:
    """A `.json` file is read as JSON; every other snapshot (`.yaml`, `.yml`) as YAML."""
    return path.suffix.lower() == ".json"


def parse_document(path: Path, text: str) -> Any:
    """The document in `text`, as JSON or YAML by the file's suffix, within every limit of
    `drift.documents`; anything else is an UnusableFile whose message names the limit."""
    if not is_json(path):
        return parse_yaml(text)
    return _parse_json(text)


def _parse_json(text: str) -> Any:
    try:
        return loads_json(text)
    except json.JSONDecodeError as exc:
        raise UnusableFile(f"{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    except DocumentError as exc:
        raise UnusableFile(str(exc)) from None


def document_lines(path: Path, text: str) -> Lines:
    """Line lookups for a document `parse_document` read as JSON or YAML by its suffix."""
    return JsonLines(text) if is_json(path) else YamlLines(text)


def read_metadata(path: Path) -> Metadata:
    return metadata_from_text(read_text(path))


def metadata_from_text(data: str) -> Metadata:
    """What a `_metadata.json` holding `data` says (read_metadata reads it from disk)."""
    raw = _parse_json(data)
    if not isinstance(raw, dict):
        raise UnusableFile("must be a JSON object with track, version and fetched_at")

    def text(*keys: str) -> str | None:
        for key in keys:
            if isinstance(raw.get(key), str):
                return str(raw[key])
        return None

    return Metadata(
        track=text("track"),
        version=text("version", "core_version"),
        fetched_at=text("fetched_at"),
        raw=raw,
    )


def load_snapshot(path: Path, cwd: Path, metadata: Metadata | None) -> Snapshot:
    return snapshot_from_text(path, display_path(path, cwd), read_text(path), metadata)


def snapshot_from_text(path: Path, file: str, text: str, metadata: Metadata | None) -> Snapshot:
    """The snapshot `text` holds, read from `path` (shown as `file`); raises Unusable."""
    document = parse_document(path, text)
    if not isinstance(document, dict):
        kind = "null" if document is None else type(document).__name__
        raise UnusableFile(f"the document is a {kind}; a schema snapshot must be a JSON object")
    schema_id = document.get("$schema_id")
    if schema_id is not None and (not isinstance(schema_id, str) or not schema_id.strip()):
        raise UnusableFile(f"$schema_id must be a non-empty string, not {schema_id!r}")
    version = document.get("$core_version")
    if not isinstance(version, str):
        version = metadata.version if metadata else None
    return Snapshot(
        identity=schema_id or path.stem,
        schema_id=schema_id,
        path=path,
        file=file,
        content=document,
        text=text,
        sha256=compute_sha256(document),
        version=version,
    )


class SnapshotLoader:
    """Loads a schema dir one file at a time, so a caller can act on each as it comes.

    `paths` are the snapshot files in order; `load(path)` reads one (a problem is
    recorded instead when it cannot be used); `result()` gives every snapshot and
    problem, with duplicate identities turned into problems.
    """

    def __init__(self, schema_dir: Path, cwd: Path) -> None:
        self.schema_dir, self.cwd = schema_dir, cwd
        files, escapes = find_schema_files(schema_dir)
        self.problems = [self._problem(path, message) for path, message in escapes]
        self.metadata: dict[Path, Metadata] = {}
        for path in files:
            if path.name == METADATA_FILE:
                try:
                    self.metadata[path.parent] = read_metadata(path)
                except UnusableFile as exc:
                    self.problems.append(self._problem(path, str(exc)))
        self.paths = [path for path in files if path.name != METADATA_FILE]
        self.loaded: list[Snapshot] = []

    def _problem(self, path: Path, message: str) -> LoadProblem:
        return LoadProblem(path.stem, path, display_path(path, self.cwd), message)

    def load(self, path: Path) -> Snapshot | None:
        try:
            snapshot = load_snapshot(path, self.cwd, _nearest(self.metadata, path, self.schema_dir))
        except UnusableFile as exc:  # read_text turns OSErrors into these too
            self.problems.append(self._problem(path, str(exc)))
            return None
        self.loaded.append(snapshot)
        return snapshot

    def result(self) -> LocalSnapshots:
        snapshots, duplicates = unique_snapshots(self.loaded)
        return LocalSnapshots(
            snapshots=snapshots,
            problems=self.problems + duplicates,
            metadata=self.metadata.get(self.schema_dir),
        )


def load_snapshots(schema_dir: Path, cwd: Path) -> LocalSnapshots:
    loader = SnapshotLoader(schema_dir, cwd)
    for path in loader.paths:
        loader.load(path)
    return loader.result()


def _nearest(metadata: dict[Path, Metadata], path: Path, root: Path) -> Metadata | None:
    if not metadata:
        return None
    folder = path.parent
    while True:
        if folder in metadata:
            return metadata[folder]
        if folder in (root, folder.parent):
            return None
        folder = folder.parent


def unique_snapshots(loaded: list[Snapshot]) -> tuple[list[Snapshot], list[LoadProblem]]:
    """The snapshots whose identity is theirs alone, and a problem for each of the others."""
    by_identity: dict[str, list[Snapshot]] = {}
    for snapshot in loaded:
        by_identity.setdefault(snapshot.identity, []).append(snapshot)
    unique: list[Snapshot] = []
    problems: list[LoadProblem] = []
    for identity, group in by_identity.items():
        if len(group) == 1:
            unique.append(group[0])
            continue
        files = ", ".join(item.file for item in group)
        for item in group:
            problems.append(
                LoadProblem(
                    identity,
                    item.path,
                    item.file,
                    f"schema {identity!r} is defined by more than one file ({files}); "
                    "keep one snapshot per schema",
                )
            )
    return unique, problems
