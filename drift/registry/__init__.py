"""Schema Registry access: the HTTP API, or a directory laid out in the API's own shapes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drift.registry.base import IndexEntry, Registry, RegistrySchema, TrackIndex

if TYPE_CHECKING:
    from drift.settings import Settings

__all__ = ["IndexEntry", "Registry", "RegistrySchema", "TrackIndex", "open_registry"]


def open_registry(settings: Settings) -> Registry:
    """The registry implementation `--registry-url` selects (httpx is imported only for HTTP)."""
    from drift.settings import RegistryKind  # noqa: PLC0415

    if settings.registry_kind is RegistryKind.DIRECTORY:
        from drift.registry.directory import DirectoryRegistry  # noqa: PLC0415

        assert settings.registry_path is not None  # Settings guarantees it
        return DirectoryRegistry(settings.registry_path)
    from drift.registry.http import HttpRegistry  # noqa: PLC0415

    return HttpRegistry(
        settings.registry_url,
        token=settings.token,
        timeout=settings.timeout,
        retries=settings.retries,
        retry_budget=settings.retry_budget,
        concurrency=settings.concurrency,
    )
