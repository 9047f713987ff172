"""Sources: what yields schemas to compare. A schema dir, a git revision of one, a registry track.

Each is read whole into `LocalSnapshots` by a `Loader` (the OLD side of a comparison,
and NEW when it is not a registry); a registry track as NEW is the registry client
itself, whose index offers hashes up front (the fast path). `open_loader` builds the
loader a `Side` names; nothing is read until `load()`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drift.sources.base import Loader, SourceError
from drift.sources.spec import Side, SideKind, parse_side

if TYPE_CHECKING:
    from pathlib import Path

    from drift.registry.base import Registry
    from drift.sources.git import Blobs

__all__ = ["Loader", "Side", "SideKind", "SourceError", "open_loader", "parse_side"]


def open_loader(
    side: Side,
    cwd: Path,
    *,
    registry: Registry | None = None,
    trust_repository: bool = False,
    blobs: Blobs | None = None,
) -> Loader:
    """The loader of `side`; a registry side reads through `registry`, the client for it;
    two git sides given the same `blobs` parse what they share once."""
    if side.kind is SideKind.DIR:
        from drift.sources.directory import DirectorySource  # noqa: PLC0415

        assert side.path is not None  # parse_side guarantees it
        return DirectorySource(side, cwd)
    if side.kind is SideKind.GIT:
        from drift.sources.git import GitSource  # noqa: PLC0415

        return GitSource(side, cwd, trust_repository=trust_repository, blobs=blobs)
    from drift.sources.registry import RegistryTrackSource  # noqa: PLC0415

    assert registry is not None
    return RegistryTrackSource(side, registry)
