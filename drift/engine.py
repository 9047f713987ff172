"""The engine's one entry point: Settings in, DriftReport out. Knows nothing of GitHub."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drift.assess import Assessor
from drift.compare import Prefetcher, compare
from drift.registry import open_registry
from drift.registry.base import RegistrySchema
from drift.report import DriftReport
from drift.settings import Settings, VerifyIndex
from drift.snapshots import LocalSnapshots, Snapshot, SnapshotLoader


@dataclass(frozen=True)
class CheckResult:
    report: DriftReport
    local: LocalSnapshots
    documents: dict[str, RegistrySchema]  # registry content fetched, by local identity


LOAD_BATCH = 16  # snapshots loaded between two turns of the event loop (~2 ms of work)


async def load_while_fetching(
    schema_dir: Path, cwd: Path, on_snapshot: Callable[[Snapshot], None]
) -> LocalSnapshots:
    """Load the snapshots in the event loop, giving it a turn every LOAD_BATCH files.

    Between batches the index request and the fetches `on_snapshot` started make
    progress, so the registry's latency overlaps the reading and hashing.
    """
    loader = SnapshotLoader(schema_dir, cwd)
    for number, path in enumerate(loader.paths, 1):
        snapshot = loader.load(path)
        if snapshot is not None:
            on_snapshot(snapshot)
        if number % LOAD_BATCH == 0:
            await asyncio.sleep(0)
    return loader.result()


async def check_async(settings: Settings, *, cwd: Path | None = None) -> CheckResult:
    registry = open_registry(settings)
    assessor = Assessor(mode=settings.mode, policy=settings.policy, config=settings.config)
    # The index request travels while the snapshots are read and hashed; schemas
    # whose hash differs are fetched as soon as both are known.
    index = asyncio.ensure_future(registry.get_index(settings.track))
    prefetcher = Prefetcher(registry, settings.track, index, assessor.on_document)
    try:
        await asyncio.sleep(0)  # let the index request start before the files are listed
        local = await load_while_fetching(settings.schema_dir, cwd or Path.cwd(), prefetcher.offer)
        report, documents = await compare(
            local,
            registry,
            track=settings.track,
            registry_url=settings.public_registry_url,
            include_new=settings.include_new,
            index=index,
            on_document=assessor.on_document,  # diffs run while other fetches travel
            prefetched=prefetcher.tasks,
            verify_all=settings.verify_index is VerifyIndex.ALL,
        )
    finally:
        if not index.done():
            index.cancel()
        await prefetcher.aclose()
        await registry.aclose()
    assessor.assess(report, {s.identity: s for s in local.snapshots}, documents)
    if not local.snapshots and not local.problems:
        report.run_errors.append(
            f"no schema files (*.json, *.yaml, *.yml) under {settings.schema_dir}; "
            "point --schema-dir at your snapshots"
        )
    return CheckResult(report, local, documents)


def check(settings: Settings, *, cwd: Path | None = None) -> CheckResult:
    return asyncio.run(check_async(settings, cwd=cwd))
