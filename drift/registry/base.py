"""What the engine needs from a registry, and the parsing of the API's response shapes."""

from __future__ import annotations

from typing import Any, Protocol

from drift.errors import RegistryError
from drift.hashing import compute_sha256
from drift.records import Record, Row

_HEX = frozenset("0123456789abcdef")


class IndexEntry(Row):
    name: str
    schema_id: str
    sha256: str
    latest_core_version: str | None
    deprecated: bool


class TrackIndex(Row):
    track: str
    entries: list[IndexEntry]
    generated_at: str | None


class RegistrySchema(Record):
    """One schema document as the registry serves it; its content's hash is computed once."""

    __slots__ = (
        "_content_sha256",
        "content",
        "core_version",
        "deprecated",
        "deprecation_note",
        "name",
        "schema_id",
        "sha256",
        "track",
    )
    unshown = ("content",)

    def __init__(
        self,
        name: str,
        track: str,
        core_version: str | None,
        sha256: str | None,
        schema_id: str | None,
        content: dict[str, Any],
        deprecated: bool,
        deprecation_note: str | None,
        content_sha256: str | None = None,  # our hash of `content`, when already known
    ) -> None:
        self.name, self.track, self.core_version, self.sha256 = name, track, core_version, sha256
        self.schema_id, self.content = schema_id, content
        self.deprecated, self.deprecation_note = deprecated, deprecation_note
        self._content_sha256 = content_sha256

    @property
    def content_sha256(self) -> str:
        """Our hash of the content (the registry's own `sha256` may be computed otherwise)."""
        if self._content_sha256 is None:
            self._content_sha256 = compute_sha256(self.content)
        return self._content_sha256


class Registry(Protocol):
    """A source of canonical schemas; `requests` counts the calls made so far."""

    requests: int
    description: str

    async def get_index(self, track: str) -> TrackIndex: ...

    async def get_schema(self, track: str, name: str) -> RegistrySchema: ...

    async def aclose(self) -> None: ...


def _shape(what: str, problem: str) -> RegistryError:
    return RegistryError(f"{what}: unexpected response shape: {problem}")


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def parse_index(payload: Any, track: str, what: str) -> TrackIndex:
    if not isinstance(payload, dict) or not isinstance(payload.get("tracks"), dict):
        raise _shape(what, 'expected an object with "tracks"')
    tracks = payload["tracks"]
    if track not in tracks:
        known = ", ".join(sorted(str(key) for key in tracks)) or "none"
        raise RegistryError(f"{what}: the registry has no track {track!r} (it has: {known})")
    info = tracks[track]
    if not isinstance(info, dict) or not isinstance(info.get("schemas"), list):
        raise _shape(what, f'tracks.{track} has no "schemas" list')
    entries = []
    for position, item in enumerate(info["schemas"]):
        where = f"tracks.{track}.schemas[{position}]"
        if not isinstance(item, dict):
            raise _shape(what, f"{where} is not an object")
        name, schema_id, sha = item.get("name"), item.get("$schema_id"), item.get("sha256")
        if not isinstance(name, str) or not name:
            raise _shape(what, f'{where} has no "name"')
        if not isinstance(sha, str) or len(sha) != 64 or not set(sha.lower()) <= _HEX:
            raise _shape(what, f'{where} ({name}) has no 64-hex "sha256"')
        entries.append(
            IndexEntry(
                name=name,
                schema_id=schema_id if isinstance(schema_id, str) and schema_id else name,
                sha256=sha.lower(),
                latest_core_version=_optional_str(item.get("latest_core_version")),
                deprecated=item.get("deprecated") is True,
            )
        )
    return TrackIndex(track, entries, _optional_str(payload.get("generated_at")))


def parse_schema(payload: Any, what: str, *, track: str, name: str) -> RegistrySchema:
    """A `/schemas/{track}/{name}` answer, which must be about the schema asked for.

    The request names the index entry's `name` exactly, so the answer's `name` and
    `track` must equal it: content filed under another schema would otherwise be
    compared, and perhaps called synced, in its place.
    """
    if not isinstance(payload, dict):
        raise _shape(what, "expected a JSON object")
    content = payload.get("content")
    if not isinstance(content, dict):
        raise _shape(what, '"content" is not a JSON object')
    answered = (payload.get("track"), payload.get("name"))
    if answered != (track, name):
        got = "/".join(repr(part) if isinstance(part, str) else "(none)" for part in answered)
        raise RegistryError(
            f"{what}: the registry answered with schema {got}, not the {track!r}/{name!r} asked for"
        )
    return RegistrySchema(
        name=name,
        track=track,
        core_version=_optional_str(payload.get("core_version")),
        sha256=_optional_str(payload.get("sha256")),
        schema_id=_optional_str(payload.get("$schema_id")),
        content=content,
        deprecated=payload.get("deprecated") is True,
        deprecation_note=_optional_str(payload.get("deprecation_note")),
    )


def safe_name(name: str) -> bool:
    """A registry name usable as one path segment: it can never climb out of a directory."""
    return (
        bool(name)
        and name not in (".", "..")
        and not any(ch in name for ch in "/\\\x00")
        and not name.startswith("~")
        and ":" not in name
    )
