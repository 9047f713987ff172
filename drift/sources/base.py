"""What every source gives the engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from drift.errors import DriftError
from drift.report import SideInfo
from drift.snapshots import LocalSnapshots, Snapshot

OnSnapshot = Callable[[Snapshot], None]

LOAD_BATCH = 16  # snapshots loaded between two turns of the event loop (~2 ms of work)


class SourceError(DriftError):
    """A whole side could not be read (no such revision, not a git repository, …)."""


class Loader(Protocol):
    """A source read whole: its snapshots, the files it could not use, and its name."""

    @property
    def info(self) -> SideInfo:
        """The side as the report names it (after `load`, with what it resolved to)."""
        ...

    @property
    def has_files(self) -> bool:
        """Whether its snapshots are files a reader can open at a line (not a registry)."""
        ...

    async def load(self, on_snapshot: OnSnapshot | None = None) -> LocalSnapshots:
        """Read everything; `on_snapshot` sees each snapshot as it is read. Raises SourceError."""
        ...
