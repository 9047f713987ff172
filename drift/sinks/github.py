"""GitHub sinks: the step summary, file/line annotations and step outputs.

Everything here reads a finished DriftReport. Text from schema names, files and
registry content is data: workflow-command values are escaped by
drift.sinks.workflow, Markdown through drift.sinks.markdown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from drift.records import Row
from drift.report import DriftReport, ReportedChange, SchemaResult, Status
from drift.settings import FailOn
from drift.sinks import workflow
from drift.sinks.markdown import html_text, md_code, md_text, url_path
from drift.text import plural

ANNOTATIONS_PER_LEVEL = 10  # what GitHub shows per level and step
SUMMARY_LIMIT = 1024 * 1024  # GitHub rejects a bigger step summary
SUMMARY_BUDGET = SUMMARY_LIMIT - 16 * 1024  # room for the truncation note

_SEVERITY_RANK = {"breaking": 0, "compatible": 1, "cosmetic": 2}
_ICON = {"synced": "✅", "drift": "⚠️", "breaking": "❌", "error": "🛑"}


def overall_status(report: DriftReport) -> str:
    """synced | drift | breaking | error — the action's `status` output."""
    if report.has_errors:
        return "error"
    if report.breaking:
        return "breaking"
    gone = report.count(Status.MISSING_IN_REGISTRY) + report.count(Status.REMOVED)
    if report.count(Status.DRIFT) or gone:
        return "drift"
    return "synced"


def _command(report: DriftReport) -> str:
    return "check" if report.comparison is None else report.comparison.command


def changed_schemas(report: DriftReport) -> list[str]:
    """A comparison's schemas that differ between its sides: changed, removed or added."""
    moved = (Status.DRIFT, Status.REMOVED, Status.ADDED)
    return [item.schema for item in report.schemas if item.status in moved]


def against_outputs(report: DriftReport, *, report_path: str) -> dict[str, str]:
    """The action's outputs for its `against` comparison."""
    return {
        "against-status": overall_status(report),
        "against-changed": json.dumps(changed_schemas(report)),
        "against-breaking": str(report.breaking),
        "against-report-path": report_path,
    }


def migration_outputs(report: DriftReport, *, report_path: str) -> dict[str, str]:
    """The action's outputs for its `compare-track` migration preview."""
    safe = report.migration is not None and report.migration.safe and not report.has_errors
    return {"migration-safe": str(safe).lower(), "migration-report-path": report_path}


def outputs(
    report: DriftReport, *, report_path: str, sarif_path: str, exit_code: int
) -> dict[str, str]:
    drifted = [item.schema for item in report.schemas if item.status is Status.DRIFT]
    return {
        "status": overall_status(report),
        "total": str(len(report.schemas)),
        "synced": str(report.count(Status.SYNCED)),
        "drifted": str(len(drifted)),
        "breaking": str(report.breaking),
        "missing": str(report.count(Status.MISSING_IN_REGISTRY)),
        "errors": str(report.count(Status.ERROR) + len(report.run_errors)),
        "drifted-schemas": json.dumps(drifted),
        "report-path": report_path,
        "sarif-path": sarif_path,
        "exit-code": str(exit_code),
    }


# -- annotations -----------------------------------------------------------------------


class Annotation(Row):
    level: str  # "error" | "warning" | "notice"
    title: str
    message: str
    file: str | None = None
    line: int | None = None


def _change_level(change: ReportedChange, failing: bool) -> str:
    """error: a breaking change that fails the step; notice: documentation only."""
    if change.severity == "breaking":
        return "error" if failing else "warning"
    return "notice" if change.severity == "cosmetic" else "warning"


def _change_annotation(
    item: SchemaResult, change: ReportedChange, failing: bool, prefix: str = "schema drift"
) -> Annotation:
    level = _change_level(change, failing)
    breaks = f" (breaks {', '.join(change.breaks)})" if change.breaks else ""
    return Annotation(
        level=level,
        title=f"{prefix}: {item.schema} [{change.kind}]",
        message=f"{change.path}: {change.message}{breaks}. fingerprint {change.fingerprint}",
        file=item.file,
        line=change.line,
    )


def _prefix(report: DriftReport) -> str:
    """How a report's annotation titles begin: what kind of comparison speaks."""
    comparison = report.comparison
    if comparison is None or comparison.command == "check":
        return "schema drift"
    if comparison.command == "migrate":
        return f"migration {comparison.old.track} → {comparison.new.track}"
    return f"schema change since {comparison.old.label}"


def _migration_annotations(report: DriftReport) -> list[Annotation]:
    found = [Annotation("error", _prefix(report), message) for message in report.run_errors]
    found += [
        Annotation("error", f"{_prefix(report)}: {item.schema}", item.error or "")
        for item in report.schemas
        if item.status is Status.ERROR
    ]
    if report.migration is not None and not report.run_errors:
        level = "notice" if report.migration.safe else "warning"
        found.append(Annotation(level, _prefix(report), report.migration.verdict))
    return found


def _all_annotations(report: DriftReport, fail_on: FailOn) -> list[Annotation]:
    if report.migration is not None or _command(report) == "migrate":
        return _migration_annotations(report)  # a registry's tracks: no file to point at
    failing = fail_on is not FailOn.NEVER
    prefix = _prefix(report)
    registry_title = "schema drift: registry" if _command(report) == "check" else prefix
    found = [Annotation("error", registry_title, message) for message in report.run_errors]
    for item in report.schemas:
        if item.status is Status.ERROR:
            found.append(
                Annotation(
                    "error",
                    f"{prefix}: {item.schema}",
                    item.error or "",
                    item.file,
                    1 if item.file else None,
                )
            )
        elif item.status is Status.MISSING_IN_REGISTRY:
            found.append(
                Annotation(
                    "error" if failing else "warning",
                    f"schema drift: {item.schema}",
                    f"{item.schema} is not in the registry's track {report.track}",
                    item.file,
                    1 if item.file else None,
                )
            )
        elif item.status is Status.REMOVED and report.comparison is not None:
            found.append(
                Annotation(
                    "error" if failing else "warning",
                    f"{prefix}: {item.schema} removed",
                    f"{item.schema} is in {report.comparison.old.spec} but not in "
                    f"{report.comparison.new.spec}: whoever reads it loses it",
                    item.file,
                    1 if item.file else None,
                )
            )
    changes = [
        (item, change)
        for item in report.schemas
        if item.status is Status.DRIFT
        for change in item.changes
        if change.active
    ]
    changes.sort(key=lambda pair: _SEVERITY_RANK.get(pair[1].severity, 3))
    # deprecations first among the notices: GitHub shows only the first few per level
    found += [
        Annotation(
            "notice",
            f"schema drift: {item.schema} is deprecated",
            f"the registry deprecates {item.schema} in track {report.track}: "
            f"{item.deprecation_note or '(no note)'}",
            item.file,
            1 if item.file else None,
        )
        for item in report.schemas
        if item.deprecated
    ]
    found += [_change_annotation(item, change, failing, prefix) for item, change in changes]
    return found


def select_annotations(report: DriftReport, fail_on: FailOn) -> list[Annotation]:
    """The annotations GitHub will show (most severe first), plus a notice for the rest."""
    return select_from([report], fail_on)


def select_from(reports: list[DriftReport], fail_on: FailOn) -> list[Annotation]:
    """One step's annotations from several reports, the first's first: GitHub's limit per
    level and step is shared by all of them."""
    shown: list[Annotation] = []
    per_level: dict[str, int] = {}
    hidden = 0
    found = [annotation for report in reports for annotation in _all_annotations(report, fail_on)]
    for annotation in found:
        if per_level.get(annotation.level, 0) >= ANNOTATIONS_PER_LEVEL:
            hidden += 1
            continue
        per_level[annotation.level] = per_level.get(annotation.level, 0) + 1
        shown.append(annotation)
    if hidden:
        shown.append(
            Annotation(
                "notice",
                "schema drift: more findings",
                f"{plural(hidden, 'more finding')} not annotated (GitHub shows "
                f"{ANNOTATIONS_PER_LEVEL} "
                "per level): see the step summary, the JSON report artifact and SARIF",
            )
        )
    return shown


def emit_annotations(items: list[Annotation]) -> None:
    for item in items:
        workflow.annotate(
            item.level, item.message, title=item.title, file=item.file, line=item.line
        )


# -- step summary ----------------------------------------------------------------------


class LinkBase(Row):
    """Where `blob` links point: $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/blob/$GITHUB_SHA."""

    server: str | None
    repository: str | None
    sha: str | None

    def to(self, file: str | None, line: int | None) -> str | None:
        if not (self.server and self.repository and self.sha and file):
            return None
        anchor = f"#L{line}" if line else ""
        blob = f"{url_path(self.repository)}/blob/{url_path(self.sha)}"
        return f"{self.server}/{blob}/{url_path(file)}{anchor}"


def _compare_headline(report: DriftReport, title: str | None) -> str:
    assert report.comparison is not None
    status = overall_status(report)
    total = len(report.schemas)
    drifted, removed = report.count(Status.DRIFT), report.count(Status.REMOVED)
    added = report.count(Status.ADDED)
    moved = f"{drifted} changed, {removed} removed, {added} added, of {plural(total, 'schema')}"
    counts = {
        "synced": f"no schema changed ({plural(total, 'schema')})",
        "drift": f"{moved}; nothing breaks",
        "breaking": f"{report.breaking} with breaking changes; {moved}",
        "error": f"{plural(report.count(Status.ERROR) + len(report.run_errors), 'error')}: "
        "some schemas could not be compared",
    }[status]
    old, new = report.comparison.old, report.comparison.new
    migration = report.migration
    if report.comparison.command == "migrate":
        verdict = "safe" if migration is not None and migration.safe else "NOT safe"
        if status == "error":
            verdict = "error"
        head = f"## {_ICON[status]} {title or 'Migration preview'} {old.track} → {new.track}: "
        head += f"{verdict} — {counts}"
        where = (
            f"Registry {md_code(report.registry_url)}, mode {report.mode}, policy {report.policy}."
        )
        if migration is not None:
            where += f"\n\n**{md_text(migration.verdict[:1].upper() + migration.verdict[1:])}.**"
        return f"{head}\n\n{where}"
    head = f"## {_ICON[status]} {title or 'Schema changes'}: {status} — {counts}"
    return (
        f"{head}\n\nOLD {md_code(old.label)} → NEW {md_code(new.label)}, "
        f"mode {report.mode}, policy {report.policy}."
    )


def headline(report: DriftReport, title: str | None = None) -> str:
    if _command(report) != "check":
        return _compare_headline(report, title)
    status = overall_status(report)
    total = len(report.schemas)
    drifted, missing = report.count(Status.DRIFT), report.count(Status.MISSING_IN_REGISTRY)
    counts = {
        "synced": f"all {plural(total, 'schema')} match the registry"
        if total != 1
        else "the 1 schema matches the registry",
        "drift": f"{drifted} drifted, {missing} missing in the registry, of "
        f"{plural(total, 'schema')}; nothing breaks",
        "breaking": f"{report.breaking} with breaking changes, {drifted} drifted, of {total}",
        "error": f"{plural(report.count(Status.ERROR) + len(report.run_errors), 'error')}: "
        "some schemas could not be compared",
    }[status]
    return (
        f"## {_ICON[status]} Schema drift: {status} — {counts}\n\n"
        f"Track {md_code(report.track)} against {md_code(report.registry_url)}, "
        f"mode {report.mode}, policy {report.policy}."
    )


def _row(item: SchemaResult) -> str:
    versions = f"{md_text(item.local_version or '-')} → {md_text(item.registry_version or '-')}"
    hashes = f"{md_code((item.local_sha or '-')[:12])} → {md_code((item.registry_sha or '-')[:12])}"
    return (
        f"| {md_text(item.schema)} | {item.status.value} | {item.severity or ''} "
        f"| {versions} | {hashes} |"
    )


def _details(item: SchemaResult, links: LinkBase) -> Iterator[str]:
    active = sum(1 for c in item.changes if c.active)
    yield (
        f"<details><summary>{html_text(item.schema)} — {item.severity} "
        f"({active} of {plural(len(item.changes), 'change')} "
        f"{'counts' if active == 1 else 'count'})</summary>\n"
    )
    yield "| Severity | Where | Change | Fingerprint |"
    yield "| --- | --- | --- | --- |"
    for change in item.changes:
        where_text = (
            f"{item.file}:{change.line}" if item.file and change.line else (item.file or "")
        )
        link = links.to(item.file, change.line)
        where = f"[{md_text(where_text)}]({link})" if link else md_text(where_text)
        state = (
            " (ignored)"
            if change.ignored is not None
            else " (accepted)"
            if change.accepted is not None
            else ""
        )
        breaks = f" — breaks {', '.join(change.breaks)}" if change.breaks else ""
        what = f"{md_code(change.path)} {md_text(change.message)}{breaks}"
        yield f"| {change.severity}{state} | {where} | {what} | {md_code(change.fingerprint)} |"
    yield "\n</details>\n"


def _column(report: DriftReport) -> str:
    comparison = report.comparison
    if comparison is None or comparison.command == "check":
        return "Local → registry"
    if comparison.command == "migrate":
        return f"{comparison.old.track} → {comparison.new.track}"
    return "Old → new"


def step_summary(
    report: DriftReport,
    *,
    links: LinkBase,
    artifact: str | None,
    title: str | None = None,
    budget: int = SUMMARY_BUDGET,
) -> str:
    """The step summary, kept under `budget` (GitHub's 1 MiB) with an explicit truncation line.

    `title` names a comparison's section (compare, migrate); check's headline is fixed.
    """
    parts = [headline(report, title), ""]
    for message in report.run_errors:
        parts.append(f"> **Error:** {md_text(message)}")
    for message in report.warnings:
        parts.append(f"> **Warning:** {md_text(message)}")
    parts += [
        "",
        f"| Schema | Status | Severity | {_column(report)} | Hashes |",
        "| --- | --- | --- | --- | --- |",
    ]
    order = {
        Status.ERROR: 0,
        Status.DRIFT: 1,
        Status.MISSING_IN_REGISTRY: 2,
        Status.REMOVED: 2,
        Status.NEW_IN_REGISTRY: 3,
        Status.ADDED: 3,
        Status.SYNCED: 4,
    }
    rows = sorted(report.schemas, key=lambda item: (order[item.status], item.schema))
    parts += [_row(item) for item in rows]
    parts.append("")
    for item in rows:
        if item.status is Status.ERROR:
            parts.append(f"- **{md_text(item.schema)}**: {md_text(item.error or '')}")
    if report.migration is not None and report.migration.deprecations:
        parts += ["", "**Deprecations:**", ""]
        parts += [
            f"- **{md_text(item.schema)}** in {item.track}: {md_text(item.note or '(no note)')}"
            for item in report.migration.deprecations
        ]
        parts.append("")
    deprecated = [item for item in rows if item.deprecated and report.migration is None]
    if deprecated:
        parts += ["", "**Deprecated in the registry:**", ""]
        parts += [
            f"- **{md_text(item.schema)}** ({item.status.value}): "
            f"{md_text(item.deprecation_note or '(no note)')}"
            for item in deprecated
        ]
        parts.append("")
    size = sum(len(part.encode()) + 1 for part in parts)
    truncated = False
    for item in rows:
        if item.status is not Status.DRIFT:
            continue
        block = "\n".join(_details(item, links))
        if size + len(block.encode()) + 1 > budget:
            truncated = True
            break
        parts.append(block)
        size += len(block.encode()) + 1
    if size > budget:  # even the table is too big: keep what fits
        text = "\n".join(parts).encode()[:budget].decode("utf-8", "ignore")
        parts, truncated = [text.rsplit("\n", 1)[0]], True
    if truncated:
        where = f"the {md_code(artifact)} artifact" if artifact else "the JSON report"
        parts.append(
            f"\n**Summary truncated to fit GitHub's 1 MiB limit: see {where} for everything.**"
        )
    stats = report.stats
    requests = plural(stats.requests, "registry request")
    parts.append(f"\n<sub>{requests} in {stats.seconds:.2f} s.</sub>\n")
    return "\n".join(parts)


def json_safe(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
