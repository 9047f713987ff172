"""`schema-drift diff OLD NEW`: the diff engine on two files, for people and for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from drift.assess import reported, verdict
from drift.config import DriftConfig
from drift.diff import diff_schemas
from drift.errors import SettingsError
from drift.localfiles import UnusableFile, located, read_text
from drift.report import ReportedChange
from drift.settings import DEFAULTS, choice
from drift.sinks.markdown import md_text
from drift.snapshots import document_lines, parse_document
from drift.text import plural
from drift.vocabulary import Mode, Policy

FORMATS = ("text", "json", "markdown")


def _load(path_text: str, label: str) -> tuple[Any, str]:
    path = Path(path_text)
    try:
        text = read_text(path)
        document = parse_document(path, text)
    except UnusableFile as exc:
        raise SettingsError(f"{label}: {located(path_text, str(exc))}") from None
    if not isinstance(document, dict | bool):
        kind = "null" if document is None else type(document).__name__
        raise SettingsError(
            f"{label}: {path_text}: the document is a {kind}; a JSON Schema is an object "
            "or a boolean"
        )
    return document, text


def _option(value: str | None, name: str, parser: Callable[[str], Any], problems: list[str]) -> Any:
    try:
        return parser(value or DEFAULTS[name])
    except ValueError as exc:
        problems.append(f"--{name}: {exc}")
        return None


def _format(value: str) -> str:
    if value not in FORMATS:
        raise ValueError(f"{value!r} is not accepted; use one of {', '.join(FORMATS)}")
    return value


def run(
    old_path: str, new_path: str, *, mode: str | None, policy: str | None, output: str | None
) -> int:
    problems: list[str] = []
    chosen_mode: Mode = _option(mode, "mode", choice(Mode), problems)
    chosen_policy: Policy = _option(policy, "policy", choice(Policy), problems)
    fmt: str = _option(output, "format", _format, problems)
    if problems:  # every bad flag at once, as check does
        raise SettingsError("\n".join(problems))
    old, old_text = _load(old_path, "OLD")
    new, _ = _load(new_path, "NEW")
    result = diff_schemas(old, new, mode=chosen_mode, policy=chosen_policy)
    schema_id = old.get("$schema_id") if isinstance(old, dict) else None
    schema = schema_id if isinstance(schema_id, str) else Path(old_path).stem
    lines = document_lines(Path(old_path), old_text)
    changes = [reported(schema, lines, rated, DriftConfig()) for rated in result.changes]
    severity = verdict(changes)[0] if changes else "none"
    summary = {
        "compatible": result.compatible,
        "mode": chosen_mode.value,
        "policy": chosen_policy.value,
        "severity": severity,
        "old": old_path,
        "new": new_path,
        "changes": [change.to_dict() for change in changes],
    }
    renderers = {"json": _json, "markdown": _markdown, "text": _text}
    sys.stdout.write(renderers[fmt](summary, changes))
    return 0 if result.compatible else 1


def _json(summary: dict[str, Any], changes: list[ReportedChange]) -> str:
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def _headline(summary: dict[str, Any]) -> str:
    verdict_text = "compatible" if summary["compatible"] else "BREAKING"
    return (
        f"{summary['old']} → {summary['new']}: {verdict_text} "
        f"({summary['mode']}, {summary['policy']}; {plural(len(summary['changes']), 'change')}, "
        f"severity {summary['severity']})"
    )


def _text(summary: dict[str, Any], changes: list[ReportedChange]) -> str:
    lines = [_headline(summary)]
    for change in changes:
        where = f"line {change.line}" if change.line else "new"
        breaks = f"  [breaks {', '.join(change.breaks)}]" if change.breaks else ""
        lines.append(
            f"  {change.severity:<10} {where:<9} {change.path}  {change.message}{breaks}"
            f"  ({change.fingerprint})"
        )
    return "\n".join(lines) + "\n"


def _markdown(summary: dict[str, Any], changes: list[ReportedChange]) -> str:
    lines = [f"**{md_text(_headline(summary))}**", ""]
    if changes:
        lines += ["| severity | line | path | change | breaks |", "| --- | --- | --- | --- | --- |"]
        lines += [
            f"| {c.severity} | {c.line or ''} | {md_text(c.path)} | {md_text(c.message)} "
            f"| {', '.join(c.breaks)} |"
            for c in changes
        ]
    return "\n".join(lines) + "\n"
