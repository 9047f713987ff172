"""`.schema-drift.yml`: ignore rules and accepted (approved) changes.

```yaml
ignore:                      # changes that never fail the check (still shown, marked ignored)
  - schema: "telemetry.*"    # glob on the schema id (default "*")
    kind: annotation_changed # a change kind (default: any)
    path: "/properties/*"    # glob on the JSON pointer (default "*")
    reason: docs churn       # optional, shown in the report
accept:                      # one known change approved, by the fingerprint reports show
  - fingerprint: 1a2b3c4d5e6f
    reason: approved in PR 12
```
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from drift.errors import SettingsError
from drift.localfiles import UnusableFile, located, parse_yaml, read_text
from drift.records import Row
from drift.vocabulary import ChangeKind

CONFIG_NAME = ".schema-drift.yml"
_TOP = {"ignore", "accept"}
_IGNORE_KEYS = {"schema", "kind", "path", "reason"}
_ACCEPT_KEYS = {"fingerprint", "reason", "schema"}
_HEX_DIGITS = frozenset("0123456789abcdef")


class IgnoreRule(Row):
    schema: str = "*"
    kind: ChangeKind | None = None
    path: str = "*"
    reason: str | None = None

    def matches(self, schema: str, kind: ChangeKind, path: str) -> bool:
        return (
            fnmatch.fnmatchcase(schema, self.schema)
            and (self.kind is None or self.kind is kind)
            and fnmatch.fnmatchcase(path, self.path)
        )


class Accepted(Row):
    fingerprint: str
    reason: str | None = None


class DriftConfig(Row):
    path: Path | None = None
    ignore: tuple[IgnoreRule, ...] = ()
    accept: tuple[Accepted, ...] = ()

    def ignored(self, schema: str, kind: ChangeKind, path: str) -> IgnoreRule | None:
        return next((rule for rule in self.ignore if rule.matches(schema, kind, path)), None)

    def accepted(self, fingerprint: str) -> Accepted | None:
        return next((item for item in self.accept if item.fingerprint == fingerprint), None)


def find_repo_root(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def load_config(path: Path) -> DriftConfig:
    where = str(path)
    try:  # the bounds and the safe loader of the YAML snapshots: a config is input too
        raw = parse_yaml(read_text(path))
    except UnusableFile as exc:
        raise SettingsError(located(where, str(exc))) from None
    if raw is None:
        return DriftConfig(path)
    if not isinstance(raw, dict):
        raise SettingsError(f"{where}: must be a mapping with 'ignore' and/or 'accept'")
    _no_unknown(raw, _TOP, where)
    ignore = tuple(
        _ignore_rule(item, f"{where}: ignore[{i}]")
        for i, item in enumerate(_list(raw, "ignore", where))
    )
    accept = tuple(
        _accepted(item, f"{where}: accept[{i}]")
        for i, item in enumerate(_list(raw, "accept", where))
    )
    return DriftConfig(path, ignore, accept)


def _list(raw: dict[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key) or []
    if not isinstance(value, list):
        raise SettingsError(f"{where}: '{key}' must be a list")
    return value


def _no_unknown(raw: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in raw if key not in allowed)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise SettingsError(
            f"{where}: unknown key{plural} {', '.join(map(repr, unknown))}; "
            f"accepted: {', '.join(sorted(allowed))}"
        )


def _text(item: dict[str, Any], key: str, where: str, default: str | None) -> str | None:
    value = item.get(key, default)
    if value is not None and not isinstance(value, str):
        raise SettingsError(f"{where}: '{key}' must be a string, not {value!r}")
    return value


def _ignore_rule(item: Any, where: str) -> IgnoreRule:
    if not isinstance(item, dict):
        raise SettingsError(f"{where}: must be a mapping, e.g. {{kind: annotation_changed}}")
    _no_unknown(item, _IGNORE_KEYS, where)
    kind_text = _text(item, "kind", where, None)
    kind = None
    if kind_text is not None:
        try:
            kind = ChangeKind(kind_text)
        except ValueError:
            raise SettingsError(
                f"{where}: kind {kind_text!r} is not a change kind; e.g. annotation_changed "
                f"(all: {', '.join(k.value for k in ChangeKind)})"
            ) from None
    return IgnoreRule(
        schema=_text(item, "schema", where, "*") or "*",
        kind=kind,
        path=_text(item, "path", where, "*") or "*",
        reason=_text(item, "reason", where, None),
    )


def _accepted(item: Any, where: str) -> Accepted:
    if not isinstance(item, dict):
        raise SettingsError(f"{where}: must be a mapping, e.g. {{fingerprint: 1a2b3c4d5e6f}}")
    _no_unknown(item, _ACCEPT_KEYS, where)
    fingerprint = str(item.get("fingerprint", "")).lower()
    if len(fingerprint) != 12 or not _HEX_DIGITS.issuperset(fingerprint):
        raise SettingsError(
            f"{where}: fingerprint {item.get('fingerprint')!r} is not 12 hex digits; "
            "copy it from the report, e.g. 1a2b3c4d5e6f"
        )
    return Accepted(fingerprint, _text(item, "reason", where, None))
