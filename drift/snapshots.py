"""Local JSON Schema snapshots: find, parse, identify, hash.

Every file that cannot be used becomes a `LoadProblem` naming the file, so the
report shows it as an error instead of silently checking fewer schemas.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from drift.hashing import compute_sha256
from drift.linemap import JsonLines, Lines, YamlLines

METADATA_FILE = "_metadata.json"
SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Metadata:
    """What `_metadata.json` says about the snapshots beside it."""

    track: str | None
    version: str | None
    fetched_at: str | None
    raw: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Snapshot:
    identity: str
    schema_id: str | None
    path: Path
    file: str  # relative to the working directory, "/"-separated
    content: dict[str, Any] = field(repr=False)
    text: str = field(repr=False)
    sha256: str
    version: str | None

    @cached_property
    def lines(self) -> Lines:
        return document_lines(self.path, self.text)


@dataclass(frozen=True)
class LoadProblem:
    identity: str
    path: Path
    file: str
    message: str


@dataclass(frozen=True)
class LocalSnapshots:
    snapshots: list[Snapshot]
    problems: list[LoadProblem]
    metadata: Metadata | None


class _Unusable(Exception):
    """A file that is present but cannot be used as a snapshot."""


Unusable = _Unusable  # public: sources that read snapshots elsewhere (git) raise and catch it


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
    real_root = root.resolve()
    files: list[tuple[tuple[str, ...], Path]] = []
    escapes: list[tuple[Path, str]] = []

    def escaped(path: str, what: str) -> bool:
        target = Path(path).resolve()
        if target.is_relative_to(real_root):
            return False
        escapes.append((Path(path), f"{what} leaves the schema dir (→ {target})"))
        return True

    def walk(folder: str, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            return  # unreadable: as os.walk, skipped
        subdirs = []
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_dir():
                continue
            if entry.is_symlink():
                escaped(entry.path, "symlinked directory")
            else:
                subdirs.append(entry)
        for entry in entries:
            name = entry.name
            if name.startswith(".") or entry.is_dir():
                continue
            if os.path.splitext(name)[1].lower() not in SCHEMA_SUFFIXES:
                continue
            if entry.is_symlink() and escaped(entry.path, "symlink"):
                continue
            files.append(((*parts, name), Path(entry.path)))
        for entry in subdirs:
            walk(entry.path, (*parts, entry.name))

    walk(os.fspath(root), ())
    files.sort(key=lambda item: item[0])
    return [path for _, path in files], escapes


def _decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Unusable(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


def is_json(path: Path) -> bool:
    """A `.json` file is read as JSON; every other snapshot (`.yaml`, `.yml`) as YAML."""
    return path.suffix.lower() == ".json"


def parse_document(path: Path, text: str) -> Any:
    if is_json(path):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Unusable(f"{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    import yaml  # noqa: PLC0415  (only needed when YAML snapshots exist)

    try:
        document = yaml.load(text, Loader=_yaml_loader())  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}: " if mark else ""
        raise _Unusable(f"{where}invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise _Unusable(f"invalid YAML: {exc}") from None
    try:
        json.dumps(document)
    except (TypeError, ValueError) as exc:
        raise _Unusable(f"YAML value has no JSON equivalent: {exc}") from None
    return document


def document_lines(path: Path, text: str) -> Lines:
    """Line lookups for a document `parse_document` read as JSON or YAML by its suffix."""
    return JsonLines(text) if is_json(path) else YamlLines(text)


@functools.cache
def _yaml_loader() -> Any:
    import yaml  # noqa: PLC0415

    class Loader(yaml.SafeLoader):
        """SafeLoader without implicit timestamps: schemas are JSON, dates stay strings."""

    Loader.yaml_implicit_resolvers = {
        key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def read_metadata(path: Path) -> Metadata:
    return metadata_from_text(_decode(path))


def metadata_from_text(data: str) -> Metadata:
    """What a `_metadata.json` holding `data` says (read_metadata reads it from disk)."""
    try:
        raw = json.loads(data)
    except json.JSONDecodeError as exc:
        raise _Unusable(f"{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise _Unusable("must be a JSON object with track, version and fetched_at")

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
    return snapshot_from_text(path, display_path(path, cwd), _decode(path), metadata)


def snapshot_from_text(path: Path, file: str, text: str, metadata: Metadata | None) -> Snapshot:
    """The snapshot `text` holds, read from `path` (shown as `file`); raises Unusable."""
    document = parse_document(path, text)
    if not isinstance(document, dict):
        kind = "null" if document is None else type(document).__name__
        raise _Unusable(f"the document is a {kind}; a schema snapshot must be a JSON object")
    schema_id = document.get("$schema_id")
    if schema_id is not None and (not isinstance(schema_id, str) or not schema_id.strip()):
        raise _Unusable(f"$schema_id must be a non-empty string, not {schema_id!r}")
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
                except _Unusable as exc:
                    self.problems.append(self._problem(path, str(exc)))
        self.paths = [path for path in files if path.name != METADATA_FILE]
        self.loaded: list[Snapshot] = []

    def _problem(self, path: Path, message: str) -> LoadProblem:
        return LoadProblem(path.stem, path, display_path(path, self.cwd), message)

    def load(self, path: Path) -> Snapshot | None:
        try:
            snapshot = load_snapshot(path, self.cwd, _nearest(self.metadata, path, self.schema_dir))
        except _Unusable as exc:
            self.problems.append(self._problem(path, str(exc)))
            return None
        except OSError as exc:
            self.problems.append(self._problem(path, f"cannot read: {exc}"))
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
