"""Exception types. Each carries a message written for the person who must fix it."""

from __future__ import annotations


class DriftError(Exception):
    """Base class for every error the engine reports to a user."""


class SettingsError(DriftError):
    """A bad input value; the message names the input and shows an accepted value."""


class RegistryError(DriftError):
    """The registry could not be consulted, or answered something unusable."""


class SchemaNotFound(RegistryError):
    """The registry answered that it does not have this schema (HTTP 404)."""
