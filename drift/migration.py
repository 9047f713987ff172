"""`migrate`'s preview: is moving every consumer from one track to another safe?

The comparison itself is the engine's (OLD = the `--from` track read whole, NEW = the
`--to` track). This adds what a migration needs said: the deprecations of both tracks
with their notes, and one line with the answer.
"""

from __future__ import annotations

from drift.report import Deprecation, DriftReport, Migration, Status
from drift.sources.registry import RegistryTrackSource
from drift.text import listing, plural


def preview(report: DriftReport, old: RegistryTrackSource, to_track: str) -> Migration:
    """The migration preview of a finished `migrate` report."""
    from_track = old.track
    deprecations = [
        Deprecation(schema, from_track, item.note)
        for schema, item in sorted(old.deprecated.items())
    ]
    deprecations += [
        Deprecation(item.schema, to_track, item.deprecation_note)
        for item in report.schemas
        if item.deprecated and item.status is not Status.REMOVED
    ]
    safe, verdict = _verdict(report, from_track, to_track)
    return Migration(from_track, to_track, safe, verdict, tuple(deprecations))


def _verdict(report: DriftReport, from_track: str, to_track: str) -> tuple[bool, str]:
    move = f"moving every consumer from {from_track} to {to_track}"
    errors = report.count(Status.ERROR) + len(report.run_errors)
    if errors:
        return False, f"cannot tell whether {move} is safe: {plural(errors, 'error')}"
    breaking = [item.schema for item in report.schemas if item.severity == "breaking"]
    dropped = [item.schema for item in report.schemas if item.status is Status.REMOVED]
    reasons = []
    if breaking:
        reasons.append(f"{len(breaking)} breaking under mode {report.mode} ({listing(breaking)})")
    if dropped:
        reasons.append(f"{len(dropped)} dropped in {to_track} ({listing(dropped)})")
    if reasons:
        return False, f"{move} is NOT safe: {'; '.join(reasons)}"
    changed = report.count(Status.DRIFT)
    added = report.count(Status.ADDED)
    said = f"{plural(changed, 'schema')} changed, none breaking"
    if added:
        said += f"; {added} new in {to_track}"
    return True, f"{move} is safe ({report.mode}, {report.policy}): {said}"
