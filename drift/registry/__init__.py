"""Schema Registry access: the HTTP API, or a directory laid out in the API's own shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from drift.registry.base import IndexEntry, Registry, RegistrySchema, TrackIndex

if TYPE_CHECKING:
    from pathlib import Path

    from drift.settings import RegistryKind, Settings

__all__ = ["IndexEntry", "Registry", "RegistrySchema", "TrackIndex", "connect", "open_registry"]


class ClientOptions(Protocol):
    """How a registry client behaves: what check's and compare's settings both carry."""

    @property
    def token(self) -> str | None: ...
    @property
    def timeout(self) -> float: ...
    @property
    def retries(self) -> int: ...
    @property
    def retry_budget(self) -> float: ...
    @property
    def concurrency(self) -> int: ...


def open_registry(settings: Settings) -> Registry:
    """The registry `--registry-url` selects (HTTP code is imported only for HTTP)."""
    return connect(settings.registry_url, settings.registry_kind, settings.registry_path, settings)


def connect(url: str, kind: RegistryKind, path: Path | None, options: ClientOptions) -> Registry:
    """A client for a location Settings validated (HTTP code is imported only for HTTP)."""
    from drift.settings import RegistryKind  # noqa: PLC0415

    if kind is RegistryKind.DIRECTORY:
        from drift.registry.directory import DirectoryRegistry  # noqa: PLC0415

        assert path is not None  # Settings guarantees it
        return DirectoryRegistry(path)
    from drift.registry.http import HttpRegistry  # noqa: PLC0415

    return HttpRegistry(
        url,
        token=options.token,
        timeout=options.timeout,
        retries=options.retries,
        retry_budget=options.retry_budget,
        concurrency=options.concurrency,
    )
