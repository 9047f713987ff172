"""Schema Registry access: the HTTP API, or a directory laid out in the API's own shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drift.registry.base import IndexEntry, Registry, RegistrySchema, TrackIndex

if TYPE_CHECKING:
    from pathlib import Path

    from drift.settings import RegistryKind, Settings

__all__ = ["IndexEntry", "Registry", "RegistrySchema", "TrackIndex", "connect", "open_registry"]


def open_registry(settings: Settings) -> Registry:
    """The registry implementation `--registry-url` selects (httpx is imported only for HTTP)."""
    return connect(
        settings.registry_url,
        settings.registry_kind,
        settings.registry_path,
        token=settings.token,
        timeout=settings.timeout,
        retries=settings.retries,
        retry_budget=settings.retry_budget,
        concurrency=settings.concurrency,
    )


def connect(
    url: str,
    kind: RegistryKind,
    path: Path | None,
    *,
    token: str | None,
    timeout: float,
    retries: int,
    retry_budget: float,
    concurrency: int,
) -> Registry:
    """A registry client for a location Settings validated (httpx is imported only for HTTP)."""
    from drift.settings import RegistryKind  # noqa: PLC0415

    if kind is RegistryKind.DIRECTORY:
        from drift.registry.directory import DirectoryRegistry  # noqa: PLC0415

        assert path is not None  # Settings guarantees it
        return DirectoryRegistry(path)
    from drift.registry.http import HttpRegistry  # noqa: PLC0415

    return HttpRegistry(
        url,
        token=token,
        timeout=timeout,
        retries=retries,
        retry_budget=retry_budget,
        concurrency=concurrency,
    )
