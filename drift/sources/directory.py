"""A schema dir on disk, read one file at a time (drift.snapshots does the reading)."""

from __future__ import annotations

from pathlib import Path

from drift import tasks
from drift.report import SideInfo
from drift.snapshots import LocalSnapshots, SnapshotLoader
from drift.sources.base import LOAD_BATCH, OnSnapshot
from drift.sources.spec import Side


async def load_while_fetching(
    schema_dir: Path, cwd: Path, on_snapshot: OnSnapshot | None
) -> LocalSnapshots:
    """Load the snapshots in the event loop, giving it a turn every LOAD_BATCH files.

    Between batches the index request and the fetches `on_snapshot` started make
    progress, so the registry's latency overlaps the reading and hashing.
    """
    loader = SnapshotLoader(schema_dir, cwd)
    for number, path in enumerate(loader.paths, 1):
        snapshot = loader.load(path)
        if snapshot is not None and on_snapshot is not None:
            on_snapshot(snapshot)
        if number % LOAD_BATCH == 0:
            await tasks.pause()
    return loader.result()


class DirectorySource:
    has_files = True

    def __init__(self, side: Side, cwd: Path) -> None:
        assert side.path is not None
        self.side, self.cwd = side, cwd

    @property
    def info(self) -> SideInfo:
        return self.side.info()

    async def load(self, on_snapshot: OnSnapshot | None = None) -> LocalSnapshots:
        assert self.side.path is not None
        return await load_while_fetching(self.side.path, self.cwd, on_snapshot)
