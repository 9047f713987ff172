"""What one registry event means for this repo's snapshots: skip it, or re-check one schema.

A publish whose `sha256` is the local hash is synced without a request. Otherwise the
one schema is fetched and diffed, and the fetched content decides (an event may be stale:
the registry can have moved on since, even back to what the snapshot holds). A
deprecation only marks the schema. Events for another track, or for a schema this repo
has no snapshot of, are skipped.

Each outcome carries a `token`: what the consumer group remembers per schema to
recognise the same news delivered twice (the registry's hash and the local hash).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from drift.assess import assess
from drift.compare import normalise_name
from drift.config import DriftConfig
from drift.lifecycle import LifecycleEvent, SchemaDeprecated, SchemaPublished
from drift.registry.base import Registry
from drift.report import DriftReport, SchemaResult, Status
from drift.snapshots import Snapshot
from drift.vocabulary import Mode, Policy


class SkipReason(enum.StrEnum):
    """Why an event was acknowledged without effect (the `reason` label)."""

    OTHER_TRACK = "other_track"
    NO_SNAPSHOT = "no_snapshot"
    DUPLICATE = "duplicate"
    GAVE_UP = "gave_up"


@dataclass(frozen=True)
class LocalView:
    """The snapshots of the last full check, findable by every name an event may use."""

    track: str
    by_name: dict[str, Snapshot]

    @classmethod
    def build(
        cls, track: str, snapshots: Iterable[Snapshot], results: Iterable[SchemaResult]
    ) -> LocalView:
        by_identity = {snapshot.identity: snapshot for snapshot in snapshots}
        by_name: dict[str, Snapshot] = {}
        for snapshot in by_identity.values():
            by_name.setdefault(normalise_name(snapshot.identity), snapshot)
        # The registry's own names, as the last check matched them (`$schema_id` first).
        for item in results:
            matched = by_identity.get(item.schema)
            if matched is not None and item.registry_name:
                by_name[item.registry_name] = matched
        for identity, snapshot in by_identity.items():
            by_name[identity] = snapshot
        return cls(track, by_name)

    def find(self, name: str) -> Snapshot | None:
        return self.by_name.get(name) or self.by_name.get(normalise_name(name))


@dataclass(frozen=True)
class Verdicts:
    """How drift is judged (the watch's --mode, --policy and config)."""

    mode: Mode
    policy: Policy
    config: DriftConfig


def token(kind: str, *parts: str) -> str:
    return ":".join((kind, *parts))


def published_token(event: SchemaPublished, snapshot: Snapshot) -> str:
    return token("published", event.sha256, snapshot.sha256)


def deprecated_token(event: SchemaDeprecated) -> str:
    return token("deprecated", event.core_version)


def target(event: LifecycleEvent, view: LocalView) -> Snapshot | SkipReason:
    """The snapshot the event is about, or the reason it is skipped."""
    if event.track != view.track:
        return SkipReason.OTHER_TRACK
    snapshot = view.find(event.name)
    return SkipReason.NO_SNAPSHOT if snapshot is None else snapshot


def _result(snapshot: Snapshot, event: SchemaPublished) -> SchemaResult:
    return SchemaResult(
        schema=snapshot.identity,
        status=Status.SYNCED,
        file=snapshot.file,
        schema_id=snapshot.schema_id,
        registry_name=event.name,
        local_sha=snapshot.sha256,
        local_version=snapshot.version,
        registry_sha=event.sha256,
        registry_version=event.core_version,
        deprecated=event.deprecated,
    )


async def recheck(
    event: SchemaPublished,
    snapshot: Snapshot,
    registry: Registry,
    verdicts: Verdicts,
    *,
    registry_url: str,
) -> SchemaResult:
    """The schema's result after a publish; raises RegistryError when it cannot be fetched."""
    item = _result(snapshot, event)
    if event.sha256 == snapshot.sha256:
        return item  # the registry now holds exactly the snapshot: no request needed
    document = await registry.get_schema(event.track, event.name)
    item.registry_sha = document.content_sha256
    item.registry_version = document.core_version or event.core_version
    item.deprecated = document.deprecated or event.deprecated
    item.deprecation_note = document.deprecation_note
    if item.registry_sha == snapshot.sha256:
        return item
    item.status = Status.DRIFT
    report = DriftReport(track=event.track, registry_url=registry_url, generated_at="")
    report.schemas = [item]
    assess(
        report,
        {snapshot.identity: snapshot},
        {snapshot.identity: document},
        mode=verdicts.mode,
        policy=verdicts.policy,
        config=verdicts.config,
    )
    return item
