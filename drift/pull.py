"""`schema-drift pull`: write the registry's content into the local snapshot files."""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drift.compare import compare
from drift.documents import loads_json
from drift.errors import RegistryError
from drift.files import write_text_atomic
from drift.localfiles import NotRegularFile, UnusableFile, read_text
from drift.registry import open_registry
from drift.registry.base import Registry, RegistrySchema, safe_name
from drift.report import SchemaResult, Status, now_iso
from drift.settings import Settings, VerifyIndex
from drift.snapshots import METADATA_FILE, Snapshot, display_path, load_snapshots


@dataclass
class PullResult:
    written: list[str] = field(default_factory=list)  # files updated or created
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # schema → reason
    metadata_path: Path | None = None
    deprecated: dict[str, str] = field(default_factory=dict)  # schema → the registry's note
    registry_down: bool = False  # the registry could not be consulted: metadata left alone


def render(content: dict[str, Any], path: Path) -> str:
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # noqa: PLC0415

        return str(yaml.safe_dump(content, sort_keys=True, allow_unicode=True))
    return json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def new_file_for(schema_dir: Path, schema_id: str) -> Path | None:
    """`{schema_id}.json` inside schema_dir, or None when the id would place it elsewhere."""
    if not safe_name(schema_id) or schema_id.startswith("."):
        return None
    root = schema_dir.resolve()
    path = (root / f"{schema_id}.json").resolve()
    return path if path.parent == root else None


def _existing_text(path: Path) -> str | None:
    """The text already at `path` (None: nothing there, or a file pull may overwrite).

    Raises NotRegularFile for a FIFO, socket, device or directory in the way: reading
    one could block, and replacing it is not pull's call.
    """
    if not os.path.lexists(path):
        return None
    try:
        return read_text(path)
    except NotRegularFile:
        if os.path.islink(path):  # a broken link or a loop: replaced like any snapshot
            return None
        raise
    except UnusableFile:  # too large, not UTF-8, unreadable: the registry's copy replaces it
        return None


def _write(path: Path, content: dict[str, Any], result: PullResult, label: str) -> None:
    text = render(content, path)
    try:
        existing = _existing_text(path)
    except NotRegularFile as exc:
        result.failed[label] = f"{exc}; not overwritten"
        return
    if existing == text:
        result.unchanged += 1
        return
    write_text_atomic(path, text)
    result.written.append(label)


async def _fetch_new(
    registry: Registry, track: str, items: list[SchemaResult]
) -> list[RegistrySchema | RegistryError]:
    async def one(item: SchemaResult) -> RegistrySchema | RegistryError:
        try:
            return await registry.get_schema(track, item.registry_name or item.schema)
        except RegistryError as exc:
            return exc

    return list(await asyncio.gather(*(one(item) for item in items)))


async def pull_async(settings: Settings, *, cwd: Path) -> PullResult:
    settings.schema_dir.mkdir(parents=True, exist_ok=True)
    local = load_snapshots(settings.schema_dir, cwd)
    snapshots: dict[str, Snapshot] = {s.identity: s for s in local.snapshots}
    result = PullResult()
    registry = open_registry(settings)
    try:
        report, documents = await compare(
            local,
            registry,
            track=settings.track,
            registry_url=settings.public_registry_url,
            include_new=True,
            verify_all=settings.verify_index is VerifyIndex.ALL,
        )
        new = [
            item
            for item in report.schemas
            if item.status is Status.NEW_IN_REGISTRY and not settings.only_drifted
        ]
        fetched_new = await _fetch_new(registry, settings.track, new)
    finally:
        await registry.aclose()

    for message in report.run_errors:
        result.failed["(registry)"] = message
    for item in report.schemas:
        if item.deprecated and item.status is not Status.NEW_IN_REGISTRY:
            result.deprecated[item.schema] = item.deprecation_note or ""
    for item in report.schemas:
        if item.status is Status.ERROR:
            result.failed[item.schema] = item.error or "error"
        elif item.status is Status.DRIFT:
            snapshot = snapshots[item.schema]
            _write(snapshot.path, documents[item.schema].content, result, snapshot.file)
        elif item.status is Status.SYNCED and not settings.only_drifted:
            snapshot = snapshots[item.schema]
            _write(snapshot.path, snapshot.content, result, snapshot.file)
    for item, document in zip(new, fetched_new, strict=True):
        if isinstance(document, RegistryError):
            result.failed[item.schema] = str(document)
            continue
        path = new_file_for(settings.schema_dir, document.schema_id or item.schema)
        if path is None:
            result.failed[item.schema] = (
                f"refusing to write schema id {item.schema!r}: as a file name it would "
                f"leave {settings.schema_dir}"
            )
            continue
        _write(path, document.content, result, display_path(path, cwd))
        if document.deprecated:
            result.deprecated[item.schema] = document.deprecation_note or ""

    # A registry that could not be consulted fetched nothing: _metadata.json keeps
    # saying where and when the snapshots really came from.
    result.registry_down = bool(report.run_errors)
    if not result.registry_down:
        result.metadata_path = _write_metadata(settings, report.schemas, result)
    return result


def _write_metadata(
    settings: Settings, items: list[SchemaResult], result: PullResult
) -> Path | None:
    path = settings.schema_dir / METADATA_FILE
    existing: dict[str, Any] = {}
    try:
        loaded = loads_json(_existing_text(path) or "{}")
        existing = loaded if isinstance(loaded, dict) else {}
    except NotRegularFile as exc:
        result.failed[METADATA_FILE] = f"{exc}; not overwritten"
        return None
    except ValueError:  # invalid JSON or past a limit: rewritten from scratch
        existing = {}
    existing.update(
        {
            "registry_url": settings.public_registry_url,
            "track": settings.track,
            "fetched_at": now_iso(),
            "schemas_fetched": len(result.written) + result.unchanged,
            "schemas_failed": len(result.failed),
            "failed_schemas": sorted(result.failed),
        }
    )
    write_text_atomic(path, json.dumps(existing, indent=2) + "\n")
    return path


def pull(settings: Settings, *, cwd: Path) -> PullResult:
    return asyncio.run(pull_async(settings, cwd=cwd))
