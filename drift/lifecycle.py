"""The registry's lifecycle events as they arrive on Pulse, checked before anything trusts them.

The registry announces each change on two Redis streams (CONTRACTS.md §9): a publish
(market-data-core's `SchemaPublishedEvent`) and a deprecation (`SchemaDeprecatedEvent`),
each one `XADD` whose field `data` holds the core envelope
`{"ts", "key", "meta": {"schema_id", "track", "headers", "hash"}, "payload"}` that
`JsonCodec.encode` writes. This module turns one stream entry into a typed event or a
`MalformedEvent` naming what is wrong; it does no I/O.

The checks mirror the pydantic models (required fields, types, `track` in v1/v2), with
no coercion: a field of the wrong type is malformed, not guessed at. Unknown fields are
ignored, as pydantic does. Everything is bounded (the limits below) because the bus is
outside input: a producer with a bug must not make the watcher hash a megabyte name.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drift.documents import loads_json
from drift.registry.base import safe_name

MAX_EVENT_BYTES = 64 * 1024
"""One entry's `data` field; a lifecycle event is a few hundred bytes."""

MAX_NAME_CHARS = 512
"""A schema name in an event (`name`, `supersedes`, `superseded_by`)."""

MAX_VERSION_CHARS = 128
"""`core_version` in an event."""

MAX_REASON_CHARS = 4096
"""`deprecation_reason` in an event."""

TRACKS = ("v1", "v2")
_HEX = frozenset("0123456789abcdef")


class Kind(enum.StrEnum):
    """Which stream an entry came from, so which model its payload must be."""

    PUBLISHED = "published"
    DEPRECATED = "deprecated"


SCHEMA_IDS = {
    Kind.PUBLISHED: "registry.SchemaPublishedEvent",
    Kind.DEPRECATED: "registry.SchemaDeprecatedEvent",
}


class MalformedEvent(ValueError):
    """An entry that is not a lifecycle event; the message says which field and why."""


@dataclass(frozen=True)
class SchemaPublished:
    name: str
    track: str
    core_version: str
    sha256: str
    deprecated: bool
    supersedes: str | None


@dataclass(frozen=True)
class SchemaDeprecated:
    name: str
    track: str
    core_version: str
    superseded_by: str | None
    deprecation_reason: str | None


@dataclass(frozen=True)
class LifecycleEvent:
    """One entry, checked: the stream's kind, the envelope's publish time and the payload."""

    kind: Kind
    entry_id: str
    ts: float  # unix seconds the producer stamped (the envelope's `ts`)
    event: SchemaPublished | SchemaDeprecated

    @property
    def name(self) -> str:
        return self.event.name

    @property
    def track(self) -> str:
        return self.event.track


def _text(payload: Mapping[str, Any], key: str, limit: int, *, required: bool) -> str | None:
    value = payload.get(key)
    if value is None:
        if required:
            raise MalformedEvent(f"payload.{key} is missing")
        return None
    if not isinstance(value, str):
        raise MalformedEvent(f"payload.{key} is a {_kind(value)}, not a string")
    if len(value) > limit:
        raise MalformedEvent(f"payload.{key} is longer than {limit} characters")
    if required and not value.strip():
        raise MalformedEvent(f"payload.{key} is empty")
    return value


def _required(payload: Mapping[str, Any], key: str, limit: int) -> str:
    value = _text(payload, key, limit, required=True)
    assert value is not None  # _text raised otherwise
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _name(payload: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = _text(payload, key, MAX_NAME_CHARS, required=required)
    if value is not None and (not safe_name(value) or not value.isprintable()):
        raise MalformedEvent(f"payload.{key} {value[:80]!r} is not a registry schema name")
    return value


def _track(payload: Mapping[str, Any]) -> str:
    track = _required(payload, "track", 8)
    if track not in TRACKS:
        raise MalformedEvent(f"payload.track {track!r} is not one of {', '.join(TRACKS)}")
    return track


def _published(payload: Mapping[str, Any]) -> SchemaPublished:
    sha = _required(payload, "sha256", 64).lower()
    if len(sha) != 64 or not set(sha) <= _HEX:
        raise MalformedEvent("payload.sha256 is not 64 hex digits")
    deprecated = payload.get("deprecated", False)
    if not isinstance(deprecated, bool):
        raise MalformedEvent(f"payload.deprecated is a {_kind(deprecated)}, not a boolean")
    name = _name(payload, "name", required=True)
    assert name is not None
    return SchemaPublished(
        name=name,
        track=_track(payload),
        core_version=_required(payload, "core_version", MAX_VERSION_CHARS),
        sha256=sha,
        deprecated=deprecated,
        supersedes=_text(payload, "supersedes", MAX_NAME_CHARS, required=False),
    )


def _deprecated(payload: Mapping[str, Any]) -> SchemaDeprecated:
    name = _name(payload, "name", required=True)
    assert name is not None
    return SchemaDeprecated(
        name=name,
        track=_track(payload),
        core_version=_required(payload, "core_version", MAX_VERSION_CHARS),
        superseded_by=_text(payload, "superseded_by", MAX_NAME_CHARS, required=False),
        deprecation_reason=_text(payload, "deprecation_reason", MAX_REASON_CHARS, required=False),
    )


def _envelope(data: bytes) -> tuple[float, Mapping[str, Any], Mapping[str, Any]]:
    if len(data) > MAX_EVENT_BYTES:
        raise MalformedEvent(
            f"data is {len(data)} bytes (limit MAX_EVENT_BYTES, {MAX_EVENT_BYTES})"
        )
    try:
        text = data.decode("utf-8")  # strictly: json.loads would guess UTF-16 and UTF-32 too
    except UnicodeDecodeError:
        raise MalformedEvent("data is not UTF-8") from None
    try:
        envelope = loads_json(text)
    except ValueError as exc:  # JSONDecodeError and DocumentError are both ValueErrors
        raise MalformedEvent(f"data is not JSON: {str(exc)[:120]}") from None
    if not isinstance(envelope, dict):
        raise MalformedEvent(f"the envelope is a {_kind(envelope)}, not an object")
    ts = envelope.get("ts")
    if isinstance(ts, bool) or not isinstance(ts, int | float) or not math.isfinite(ts) or ts < 0:
        raise MalformedEvent("ts is not a unix time in seconds")
    meta, payload = envelope.get("meta"), envelope.get("payload")
    if not isinstance(meta, dict):
        raise MalformedEvent(f"meta is a {_kind(meta)}, not an object")
    if not isinstance(payload, dict):
        raise MalformedEvent(f"payload is a {_kind(payload)}, not an object")
    return float(ts), meta, payload


def parse_entry(kind: Kind, entry_id: str, fields: Mapping[bytes, bytes]) -> LifecycleEvent:
    """One stream entry as a lifecycle event of `kind`, or MalformedEvent saying why not."""
    data = fields.get(b"data")
    if data is None:
        raise MalformedEvent("the entry has no field 'data'")
    ts, meta, payload = _envelope(data)
    schema_id = meta.get("schema_id")
    other = SCHEMA_IDS[Kind.DEPRECATED if kind is Kind.PUBLISHED else Kind.PUBLISHED]
    if schema_id == other:  # the wrong stream: a deprecation is not a publish
        raise MalformedEvent(f"meta.schema_id is {other}, not {SCHEMA_IDS[kind]}")
    event = _published(payload) if kind is Kind.PUBLISHED else _deprecated(payload)
    return LifecycleEvent(kind, entry_id, ts, event)
