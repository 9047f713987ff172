"""A schema dir at a git revision, read from the object store: no checkout, no process per file.

`git rev-parse` finds the repository and resolves the revision to a commit, `git ls-tree`
lists the dir once (with each blob's size, so an oversized file is refused unread), and
one `git cat-file --batch` process streams every blob. Whatever the repository holds,
the listing's names are only ever shown and looked up, never opened: a symlink is
followed inside the schema dir and refused when it leaves it, as on disk. A user's
revision is checked (drift.sources.spec) and then passed after `--end-of-options`, so
it can never be read as an option. All of it runs under one deadline.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drift.documents import MAX_DOCUMENT_BYTES, check_size, too_large
from drift.report import SideInfo
from drift.snapshots import (
    METADATA_FILE,
    SCHEMA_SUFFIXES,
    LoadProblem,
    LocalSnapshots,
    Metadata,
    Snapshot,
    Unusable,
    metadata_from_text,
    snapshot_from_text,
    unique_snapshots,
)
from drift.sources.base import LOAD_BATCH, OnSnapshot, SourceError
from drift.sources.spec import Side

MAX_GIT_SECONDS = 60.0
"""Wall time for all the git work of one side: resolving, listing and reading every blob."""

MAX_LINK_BYTES = 4096
"""A symlink's target (PATH_MAX): a bigger "link" is not one."""

MAX_LINK_HOPS = 40
"""Symlinks followed from one name (the kernel's own limit): more is a loop."""

_FILE_MODES = frozenset({"100644", "100755"})
_LINK_MODE = "120000"


class GitError(SourceError):
    """The revision, the path or the repository could not be read."""


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    oid: str
    size: int
    name: str  # relative to the schema dir, "/"-separated

    @property
    def is_link(self) -> bool:
        return self.mode == _LINK_MODE


def parse_tree(listing: bytes) -> list[TreeEntry]:
    """`git ls-tree -r -z -l` output: blobs and symlinks (submodules and the rest skipped)."""
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        head, tab, raw_name = record.partition(b"\t")
        fields = head.split()
        if not tab or len(fields) != 4 or fields[1] != b"blob":
            continue
        mode = fields[0].decode("ascii", "replace")
        if mode not in _FILE_MODES and mode != _LINK_MODE:
            continue
        name = raw_name.decode("utf-8", "surrogateescape")
        entries.append(TreeEntry(mode, fields[2].decode("ascii"), int(fields[3]), name))
    return entries


def _wanted(name: str) -> bool:
    """As the dir loader: no hidden files or dirs, only the schema suffixes."""
    parts = name.split("/")
    if any(not part or part.startswith(".") for part in parts):
        return False
    return posixpath.splitext(name)[1].lower() in SCHEMA_SUFFIXES


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unusable(
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from None


class _Batch:
    """One `git cat-file --batch` process: object ids in, their bytes out, in order."""

    def __init__(
        self, process: asyncio.subprocess.Process, fail: Callable[[str], GitError]
    ) -> None:
        self.process, self.fail = process, fail
        assert process.stdin is not None
        assert process.stdout is not None
        self.stdin, self.stdout = process.stdin, process.stdout

    async def read(self, oids: list[str], *, last: bool = False) -> list[bytes | None]:
        """Each object's content (None when the store lacks it); `last` ends the process's input."""
        writer = asyncio.ensure_future(self._write(oids, last))
        try:
            return [await self._one(oid) for oid in oids]
        finally:
            await writer

    async def _write(self, oids: list[str], last: bool) -> None:
        try:
            self.stdin.write("".join(f"{oid}\n" for oid in oids).encode("ascii"))
            await self.stdin.drain()
        except ConnectionError:  # git ended early: reading its answers says what failed
            return
        if last:
            self.stdin.close()

    async def _one(self, oid: str) -> bytes | None:
        try:
            header = (await self.stdout.readline()).split()
            if len(header) == 2 and header[1] == b"missing":
                return None
            if len(header) != 3 or header[0].decode("ascii", "replace") != oid:
                raise self.fail(f"git cat-file answered {b' '.join(header)[:80]!r} for {oid}")
            size = int(header[2])
            check_size(size)  # ls-tree said it fits; a store that disagrees is refused too
            data = await self.stdout.readexactly(size + 1)
        except (ValueError, asyncio.IncompleteReadError) as exc:  # ValueError: DocumentError too
            raise self.fail(f"git cat-file failed reading blob {oid}: {exc}") from None
        return data[:-1]


class Blobs:
    """Snapshots already parsed and hashed, by blob and file: a comparison of two revisions
    reads each schema the revisions share once, not twice."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], tuple[Metadata | None, Snapshot]] = {}

    def get(self, oid: str, file: str, metadata: Metadata | None) -> Snapshot | None:
        seen = self._seen.get((oid, file))
        return seen[1] if seen is not None and seen[0] == metadata else None

    def put(self, oid: str, metadata: Metadata | None, snapshot: Snapshot) -> None:
        self._seen[(oid, snapshot.file)] = (metadata, snapshot)


class GitSource:
    """The snapshots of `side.tree` at `side.revision`, in the repository around `cwd`."""

    has_files = True

    def __init__(
        self,
        side: Side,
        cwd: Path,
        *,
        trust_repository: bool = False,
        seconds: float = MAX_GIT_SECONDS,
        git: str = "git",
        blobs: Blobs | None = None,
    ) -> None:
        assert side.revision is not None
        assert side.tree is not None
        self.side, self.cwd, self.seconds, self.git = side, cwd, seconds, git
        self.revision, self.tree = side.revision, side.tree
        # In a container the workspace belongs to another user: git refuses such a
        # repository unless told to trust it (the action says so; see the README).
        self._config = ["-c", "safe.directory=*"] if trust_repository else []
        self.commit: str | None = None
        self.blobs = blobs or Blobs()
        self._processes: list[asyncio.subprocess.Process] = []

    @property
    def info(self) -> SideInfo:
        return self.side.info(commit=self.commit)

    def _fail(self, message: str) -> GitError:
        return GitError(f"{self.side.spec}: {message}")

    async def load(self, on_snapshot: OnSnapshot | None = None) -> LocalSnapshots:
        try:
            async with asyncio.timeout(self.seconds):
                return await self._load(on_snapshot)
        except TimeoutError:
            raise self._fail(
                f"reading it from git took longer than {self.seconds:g} s (limit "
                "MAX_GIT_SECONDS); is the repository a partial clone fetching every blob?"
            ) from None
        finally:
            for process in self._processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()

    async def _spawn(
        self, *args: str, stdin: int = asyncio.subprocess.DEVNULL
    ) -> asyncio.subprocess.Process:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        try:
            process = await asyncio.create_subprocess_exec(
                self.git,
                "--no-optional-locks",
                *self._config,
                *args,
                cwd=self.cwd,
                stdin=stdin,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                limit=1024 * 1024,
            )
        except FileNotFoundError:
            raise self._fail(
                f"git is not installed (no {self.git!r} on PATH); install git to read git: sides"
            ) from None
        self._processes.append(process)
        return process

    async def _run(self, *args: str) -> tuple[int, bytes, str]:
        process = await self._spawn(*args)
        out, err = await process.communicate()
        lines = err.decode("utf-8", "replace").strip().splitlines()
        return process.returncode or 0, out, lines[-1] if lines else ""

    async def _load(self, on_snapshot: OnSnapshot | None) -> LocalSnapshots:
        root, prefix, self.commit = await self._resolve()
        path = posixpath.normpath(posixpath.join(prefix, self.tree))
        if path == ".." or path.startswith("../"):
            raise self._fail(f"path {self.tree!r} leaves the repository ({root})")
        path = "" if path == "." else path
        entries = await self._list(path)
        process = await self._spawn("cat-file", "--batch", stdin=asyncio.subprocess.PIPE)
        batch = _Batch(process, self._fail)
        return await _Reader(self, entries, batch).read(on_snapshot)

    async def _resolve(self) -> tuple[str, str, str]:
        """(top level, the cwd's path in it, the commit): one rev-parse for all three."""
        code, out, err = await self._run(
            "rev-parse",
            "--is-shallow-repository",
            "--show-toplevel",
            "--show-prefix",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{self.revision}^{{commit}}",
        )
        lines = out.decode("utf-8", "surrogateescape").split("\n")
        if len(lines) < 3:
            if "not a git repository" in err:
                raise self._fail(
                    f"{self.cwd} is not inside a git repository; run this in a clone (in a "
                    "workflow: after actions/checkout)"
                )
            raise self._fail(f"git rev-parse failed: {err or f'exit {code}'}")
        shallow, root, prefix, commit = lines[0] == "true", lines[1], lines[2], lines[3:4]
        if code == 0 and commit and commit[0]:
            return root, prefix, commit[0]
        rev = self.revision
        if shallow:
            raise self._fail(
                f"revision {rev!r} is not in this clone, which is shallow (it holds only the "
                f"latest commits); fetch it with `git fetch --depth=1 origin {rev}`, or check out "
                "with `fetch-depth: 0` (actions/checkout)"
            )
        raise self._fail(
            f"no commit {rev!r} in this repository; fetch it (`git fetch origin {rev}`) or "
            f"name another, e.g. git:origin/main:{self.tree}"
        )

    async def _list(self, path: str) -> list[TreeEntry]:
        assert self.commit is not None
        where = f"{self.commit}:{path}"
        code, out, _ = await self._run(
            "ls-tree", "--full-tree", "-r", "-z", "-l", "--end-of-options", where
        )
        if code == 0:
            return parse_tree(out)
        code, out, _ = await self._run("cat-file", "-t", "--end-of-options", where)
        kind = out.decode("ascii", "replace").strip() if code == 0 else ""
        at = f"at {self.revision} ({self.commit[:12]})"
        if kind == "blob":
            raise self._fail(f"{self.tree!r} is a file {at}, not a directory; name the schema dir")
        raise self._fail(
            f"there is no directory {self.tree!r} {at}; the path is relative to the current "
            f"directory, e.g. git:{self.revision}:schemas"
        )


class _Reader:
    """Turns a tree listing and its blobs into snapshots and problems, as SnapshotLoader does."""

    def __init__(self, source: GitSource, entries: list[TreeEntry], batch: _Batch) -> None:
        self.source, self.batch = source, batch
        self.by_name = {entry.name: entry for entry in entries}
        self.problems: list[LoadProblem] = []
        self.metadata: dict[str, Metadata] = {}
        self.loaded: list[Snapshot] = []
        self.wanted = [entry for entry in entries if _wanted(entry.name)]

    def display(self, name: str) -> str:
        return posixpath.normpath(posixpath.join(self.source.tree, name))

    def problem(self, name: str, message: str) -> None:
        file = self.display(name)
        self.problems.append(LoadProblem(Path(name).stem, Path(file), file, message))

    async def read(self, on_snapshot: OnSnapshot | None) -> LocalSnapshots:
        links = [entry for entry in self.by_name.values() if entry.is_link]
        targets = await self._link_targets(links) if links else {}
        files: list[tuple[str, TreeEntry]] = []  # (name shown, the blob it reads)
        for entry in self.wanted:
            blob = self._follow(entry, targets) if entry.is_link else entry
            if blob is None:
                continue
            if blob.size > MAX_DOCUMENT_BYTES:
                self.problem(entry.name, str(too_large(blob.size)))
                continue
            files.append((entry.name, blob))
        meta = [(n, b) for n, b in files if posixpath.basename(n) == METADATA_FILE]
        schemas = [(n, b) for n, b in files if posixpath.basename(n) != METADATA_FILE]
        oids = list(dict.fromkeys(blob.oid for _, blob in meta + schemas))
        contents = dict(zip(oids, await self.batch.read(oids, last=True), strict=True))
        await self.batch.process.wait()
        for name, blob in meta:
            self._metadata(name, contents[blob.oid])
        for number, (name, blob) in enumerate(schemas, 1):
            snapshot = self._snapshot(name, blob.oid, contents[blob.oid])
            if snapshot is not None and on_snapshot is not None:
                on_snapshot(snapshot)
            if number % LOAD_BATCH == 0:
                await asyncio.sleep(0)  # let the other side's requests travel meanwhile
        snapshots, duplicates = unique_snapshots(self.loaded)
        return LocalSnapshots(snapshots, self.problems + duplicates, self.metadata.get(""))

    async def _link_targets(self, links: list[TreeEntry]) -> dict[str, str | None]:
        small = [entry for entry in links if entry.size <= MAX_LINK_BYTES]
        read = await self.batch.read([entry.oid for entry in small])
        targets: dict[str, str | None] = {entry.name: None for entry in links}
        for entry, data in zip(small, read, strict=True):
            if data is not None:
                targets[entry.name] = data.decode("utf-8", "surrogateescape")
        return targets

    def _follow(self, link: TreeEntry, targets: dict[str, str | None]) -> TreeEntry | None:
        """The blob a symlink leads to inside the schema dir, or None (a problem, or a dir)."""
        current: TreeEntry | None = link
        hops = 0
        while current is not None and current.is_link:
            hops += 1
            target = targets.get(current.name)
            if target is None or hops > MAX_LINK_HOPS:
                why = "is not a usable symlink" if target is None else "is a symlink loop"
                self.problem(link.name, f"{why}; fix the link")
                return None
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(current.name), target))
            if target.startswith("/") or joined == ".." or joined.startswith("../"):
                self.problem(link.name, f"symlink leaves the schema dir (→ {target})")
                return None
            current = self.by_name.get(joined)
            if current is None and not any(name.startswith(joined + "/") for name in self.by_name):
                self.problem(link.name, f"is a dangling symlink (→ {target}); fix the link")
                return None
        return current  # None: a link to a directory inside, which is not followed

    def _metadata(self, name: str, data: bytes | None) -> None:
        try:
            self.metadata[posixpath.dirname(name)] = metadata_from_text(_decode(_present(data)))
        except Unusable as exc:
            self.problem(name, str(exc))

    def _nearest(self, name: str) -> Metadata | None:
        folder = posixpath.dirname(name)
        while True:
            if folder in self.metadata:
                return self.metadata[folder]
            if not folder:
                return None
            folder = posixpath.dirname(folder)

    def _snapshot(self, name: str, oid: str, data: bytes | None) -> Snapshot | None:
        file, metadata = self.display(name), self._nearest(name)
        snapshot = self.source.blobs.get(oid, file, metadata)
        if snapshot is None:
            try:
                text = _decode(_present(data))
                snapshot = snapshot_from_text(Path(file), file, text, metadata)
            except Unusable as exc:
                self.problem(name, str(exc))
                return None
            self.source.blobs.put(oid, metadata, snapshot)
        self.loaded.append(snapshot)
        return snapshot


def _present(data: bytes | None) -> bytes:
    if data is None:
        raise Unusable("the object store lacks this blob (a partial or damaged clone?)")
    return data
