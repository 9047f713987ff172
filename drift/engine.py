"""The engine's one entry point: Settings in, DriftReport out. Knows nothing of GitHub."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from drift.assess import Assessor
from drift.compare import compare
from drift.registry import open_registry
from drift.registry.base import RegistrySchema
from drift.report import DriftReport
from drift.settings import Settings
from drift.snapshots import LocalSnapshots, load_snapshots


@dataclass(frozen=True)
class CheckResult:
    report: DriftReport
    local: LocalSnapshots
    documents: dict[str, RegistrySchema]  # registry content fetched, by local identity


async def check_async(settings: Settings, *, cwd: Path | None = None) -> CheckResult:
    registry = open_registry(settings)
    assessor = Assessor(mode=settings.mode, policy=settings.policy, config=settings.config)
    # The index request travels while the snapshots are read and hashed.
    index = asyncio.ensure_future(registry.get_index(settings.track))
    try:
        local = await asyncio.to_thread(load_snapshots, settings.schema_dir, cwd or Path.cwd())
        report, documents = await compare(
            local,
            registry,
            track=settings.track,
            registry_url=settings.public_registry_url,
            include_new=settings.include_new,
            index=index,
            on_document=assessor.on_document,  # diffs run while other fetches travel
        )
    finally:
        if not index.done():
            index.cancel()
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
