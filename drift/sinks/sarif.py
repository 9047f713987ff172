"""SARIF 2.1.0: the report as code-scanning alerts (GitHub's upload-sarif) or a CI artifact.

One run; one rule per change kind (plus one per failing status), so every alert links
to what its kind means. Each active change of a drifted schema is a result whose level
follows the change's severity; ignored and accepted changes stay visible as results with
an external suppression. Locations point at the local snapshot, relative to `%SRCROOT%`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from drift import __version__
from drift.diff.model import COSMETIC_KINDS
from drift.report import DriftReport, ReportedChange, SchemaResult, Status, write_json
from drift.vocabulary import ChangeKind

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
TOOL_NAME = "schema-drift"
INFORMATION_URI = "https://github.com/mjdevaccount/schema-drift-action"
FINGERPRINT_KEY = "schemaDrift/v1"
SRCROOT = "%SRCROOT%"
MISSING_RULE = "schema-drift/missing_in_registry"
ERROR_RULE = "schema-drift/error"

CHANGES_HELP = f"{INFORMATION_URI}#what-changed-whether-it-breaks-where"
STATUS_HELP = f"{INFORMATION_URI}#statuses"
IGNORE_HELP = (
    "To stop failing on it, ignore the kind (or a schema/path glob) or accept the change's "
    "fingerprint in .schema-drift.yml."
)

# A change's severity → the result's level.
LEVELS = {"breaking": "error", "compatible": "warning", "cosmetic": "note"}

# What the engine cannot decide is always breaking.
_UNDECIDABLE = frozenset(
    {ChangeKind.REF_UNRESOLVED, ChangeKind.UNSUPPORTED_KEYWORD, ChangeKind.TOO_COMPLEX}
)

_WIDER = "NEW (the registry) accepts instances OLD (the local snapshot) rejected"
_NARROWER = "NEW (the registry) rejects instances OLD (the local snapshot) accepted"
_BOTH = "each side may accept instances the other rejects"
_FORWARD = f"{_WIDER}, which can break forward compatibility (OLD readers of NEW data)."
_BACKWARD = f"{_NARROWER}, which can break backward compatibility (NEW readers of OLD data)."
_EITHER = f"{_BOTH}, which can break both backward and forward compatibility."

# kind → (short description, what it means for compatibility)
_KINDS: dict[ChangeKind, tuple[str, str]] = {
    ChangeKind.ANNOTATION_CHANGED: (
        "An annotation changed",
        "An annotation such as title, description, examples or default changed. Annotations "
        "never affect validation, so the change is cosmetic.",
    ),
    ChangeKind.METADATA_CHANGED: (
        "Schema metadata changed",
        "Metadata such as $core_version, $schema_id or $comment changed. It never affects "
        "validation, so the change is cosmetic.",
    ),
    ChangeKind.UNREFERENCED_DEFINITION_CHANGED: (
        "An unreferenced definition changed",
        "A definition under $defs/definitions that nothing references changed. It cannot "
        "affect validation, so the change is cosmetic.",
    ),
    ChangeKind.SCHEMA_WIDENED: ("A subschema was widened", f"A whole subschema: {_FORWARD}"),
    ChangeKind.SCHEMA_NARROWED: ("A subschema was narrowed", f"A whole subschema: {_BACKWARD}"),
    ChangeKind.SCHEMA_CHANGED: ("A subschema was replaced", f"A whole subschema: {_EITHER}"),
    ChangeKind.TYPE_WIDENED: ("A type was widened", f"The allowed types grew: {_FORWARD}"),
    ChangeKind.TYPE_NARROWED: ("A type was narrowed", f"The allowed types shrank: {_BACKWARD}"),
    ChangeKind.TYPE_CHANGED: ("A type changed", f"The allowed types changed: {_EITHER}"),
    ChangeKind.ENUM_WIDENED: (
        "Allowed values were added",
        f"enum/const gained values: {_FORWARD}",
    ),
    ChangeKind.ENUM_NARROWED: (
        "Allowed values were removed",
        f"enum/const lost values: {_BACKWARD}",
    ),
    ChangeKind.ENUM_CHANGED: (
        "Allowed values changed",
        f"enum/const values were both added and removed: {_EITHER}",
    ),
    ChangeKind.PATTERN_ADDED: (
        "A pattern was added",
        f"Strings must now match a pattern: {_BACKWARD}",
    ),
    ChangeKind.PATTERN_REMOVED: ("A pattern was removed", f"A string pattern is gone: {_FORWARD}"),
    ChangeKind.PATTERN_CHANGED: ("A pattern changed", f"A string pattern changed: {_EITHER}"),
    ChangeKind.FORMAT_ADDED: ("A format was added", f"Strings gained a format: {_BACKWARD}"),
    ChangeKind.FORMAT_REMOVED: ("A format was removed", f"A string format is gone: {_FORWARD}"),
    ChangeKind.FORMAT_CHANGED: ("A format changed", f"A string format changed: {_EITHER}"),
    ChangeKind.BOUND_ADDED: (
        "A bound was added",
        f"A min/max keyword (minLength, maximum, minItems, maxProperties, …) was added: "
        f"{_BACKWARD}",
    ),
    ChangeKind.BOUND_REMOVED: (
        "A bound was removed",
        f"A min/max keyword (minLength, maximum, minItems, maxProperties, …) was removed: "
        f"{_FORWARD}",
    ),
    ChangeKind.BOUND_RELAXED: (
        "A bound was relaxed",
        f"A min/max keyword now allows a wider range: {_FORWARD}",
    ),
    ChangeKind.BOUND_TIGHTENED: (
        "A bound was tightened",
        f"A min/max keyword now allows a narrower range: {_BACKWARD}",
    ),
    ChangeKind.MULTIPLE_OF_ADDED: (
        "multipleOf was added",
        f"Numbers gained multipleOf: {_BACKWARD}",
    ),
    ChangeKind.MULTIPLE_OF_REMOVED: ("multipleOf was removed", f"multipleOf is gone: {_FORWARD}"),
    ChangeKind.MULTIPLE_OF_RELAXED: (
        "multipleOf was relaxed",
        f"multipleOf now divides the old one: {_FORWARD}",
    ),
    ChangeKind.MULTIPLE_OF_CHANGED: ("multipleOf changed", f"multipleOf changed: {_EITHER}"),
    ChangeKind.UNIQUE_ITEMS_ADDED: (
        "uniqueItems was added",
        f"Array items must now be unique: {_BACKWARD}",
    ),
    ChangeKind.UNIQUE_ITEMS_REMOVED: (
        "uniqueItems was removed",
        f"Array items may now repeat: {_FORWARD}",
    ),
    ChangeKind.PROPERTY_ADDED: (
        "A property was added",
        "A property was declared. In an open content model it constrains a name that any "
        "value could take before (the lenient policy allows this); in a closed one it admits "
        "instances OLD rejected.",
    ),
    ChangeKind.PROPERTY_REMOVED: (
        "A property was removed",
        "A property declaration is gone. In an open content model any value is now allowed "
        "for it; in a closed one instances carrying it are now rejected.",
    ),
    ChangeKind.REQUIRED_ADDED: (
        "A property became required",
        f"A name was added to required: {_BACKWARD}",
    ),
    ChangeKind.REQUIRED_REMOVED: (
        "A property is no longer required",
        f"A name was removed from required: {_FORWARD}",
    ),
    ChangeKind.REQUIRED_UNDECLARED_ADDED: (
        "An undeclared property became required",
        "A name was added to required without a properties entry. Confluent Schema Registry "
        f"rates this compatible; schema-drift does not: {_BACKWARD}",
    ),
    ChangeKind.ADDITIONAL_PROPERTIES_WIDENED: (
        "additionalProperties was widened",
        f"More undeclared properties are allowed: {_FORWARD}",
    ),
    ChangeKind.ADDITIONAL_PROPERTIES_NARROWED: (
        "additionalProperties was narrowed",
        f"Fewer undeclared properties are allowed: {_BACKWARD} The lenient policy allows it.",
    ),
    ChangeKind.ADDITIONAL_PROPERTIES_CHANGED: (
        "additionalProperties changed",
        f"The schema for undeclared properties changed: {_EITHER}",
    ),
    ChangeKind.PATTERN_PROPERTY_ADDED: (
        "A patternProperties entry was added",
        "Properties whose names match a new pattern are now constrained.",
    ),
    ChangeKind.PATTERN_PROPERTY_REMOVED: (
        "A patternProperties entry was removed",
        "Properties whose names matched a pattern are no longer constrained by it.",
    ),
    ChangeKind.DEPENDENCY_ADDED: (
        "A dependency was added",
        f"A dependencies/dependentRequired/dependentSchemas entry was added: {_BACKWARD}",
    ),
    ChangeKind.DEPENDENCY_REMOVED: (
        "A dependency was removed",
        f"A dependencies/dependentRequired/dependentSchemas entry was removed: {_FORWARD}",
    ),
    ChangeKind.DEPENDENCY_CHANGED: (
        "A dependency changed",
        f"A dependencies/dependentRequired/dependentSchemas entry changed: {_EITHER}",
    ),
    ChangeKind.ITEM_ADDED: (
        "A tuple item was added",
        "A positional item schema (items array / prefixItems) was added.",
    ),
    ChangeKind.ITEM_REMOVED: (
        "A tuple item was removed",
        "A positional item schema (items array / prefixItems) was removed.",
    ),
    ChangeKind.ADDITIONAL_ITEMS_WIDENED: (
        "Additional items were widened",
        f"Items past the tuple's positions accept more: {_FORWARD}",
    ),
    ChangeKind.ADDITIONAL_ITEMS_NARROWED: (
        "Additional items were narrowed",
        f"Items past the tuple's positions accept less: {_BACKWARD}",
    ),
    ChangeKind.ADDITIONAL_ITEMS_CHANGED: (
        "Additional items changed",
        f"The schema for items past the tuple's positions changed: {_EITHER}",
    ),
    ChangeKind.CONTAINS_ADDED: (
        "contains was added",
        f"Arrays must now contain a matching item: {_BACKWARD}",
    ),
    ChangeKind.CONTAINS_REMOVED: (
        "contains was removed",
        f"Arrays no longer need a matching item: {_FORWARD}",
    ),
    ChangeKind.SUBSCHEMA_ADDED: (
        "A subschema keyword was added",
        f"A subschema keyword (propertyNames, contains, unevaluated*, …) was added: {_BACKWARD}",
    ),
    ChangeKind.SUBSCHEMA_REMOVED: (
        "A subschema keyword was removed",
        f"A subschema keyword (propertyNames, contains, unevaluated*, …) was removed: {_FORWARD}",
    ),
    ChangeKind.SUM_TYPE_EXTENDED: (
        "An anyOf/oneOf gained a branch",
        f"A union gained an alternative: {_FORWARD}",
    ),
    ChangeKind.SUM_TYPE_NARROWED: (
        "An anyOf/oneOf lost a branch",
        f"A union lost an alternative: {_BACKWARD}",
    ),
    ChangeKind.PRODUCT_TYPE_EXTENDED: (
        "An allOf gained a member",
        f"An intersection gained a member: {_BACKWARD}",
    ),
    ChangeKind.PRODUCT_TYPE_NARROWED: (
        "An allOf lost a member",
        f"An intersection lost a member: {_FORWARD}",
    ),
    ChangeKind.COMBINED_TYPE_CHANGED: (
        "A combinator changed",
        f"An anyOf/oneOf/allOf changed in a way that is neither a pure extension nor a "
        f"pure narrowing: {_EITHER}",
    ),
    ChangeKind.ONE_OF_OVERLAP: (
        "oneOf branches may overlap",
        "A oneOf changed so that an instance may match more than one branch, which oneOf rejects.",
    ),
    ChangeKind.NOT_CHANGED: ("A not changed", f"The schema under not changed: {_EITHER}"),
    ChangeKind.REF_UNRESOLVED: (
        "A $ref could not be resolved",
        "A $ref points outside $defs/definitions or at nothing, so the change cannot be "
        "proven compatible; it is rated breaking.",
    ),
    ChangeKind.UNSUPPORTED_KEYWORD: (
        "A keyword the engine does not understand changed",
        "A keyword such as if/then/else, contentSchema or a vendor keyword changed; the "
        "engine cannot prove it compatible, so it is rated breaking.",
    ),
    ChangeKind.TOO_COMPLEX: (
        "Too complex to prove compatible",
        "The comparison outgrew its budget; the change cannot be proven compatible, so it is "
        "rated breaking.",
    ),
}

_VERDICT = (
    " Whether a change of this kind breaks depends on --mode and --policy: each result's "
    "level and properties.breaks carry the run's verdict."
)


def _rule_name(rule_id: str) -> str:
    """A readable PascalCase name: `type_changed` → `TypeChanged`."""
    words = re.split(r"[^0-9A-Za-z]+", rule_id.rsplit("/", 1)[-1])
    return "".join(word[:1].upper() + word[1:] for word in words if word) or "Change"


def _default_level(kind: ChangeKind) -> str:
    if kind in COSMETIC_KINDS:
        return "note"
    if kind in _UNDECIDABLE:
        return "error"
    return "warning"


def _rule(
    rule_id: str, short: str, full: str, help_uri: str, level: str, tags: list[str]
) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": _rule_name(rule_id),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full if help_uri == STATUS_HELP else f"{full} {IGNORE_HELP}"},
        "helpUri": help_uri,
        "defaultConfiguration": {"level": level},
        "properties": {"tags": tags},
    }


_STATUS_RULES = {
    MISSING_RULE: (
        "A local schema is missing from the registry",
        "The registry answered that it does not have this local snapshot (absent from the "
        "index, or HTTP 404). Publish it, or remove the snapshot.",
    ),
    ERROR_RULE: (
        "A schema could not be compared",
        "The schema could not be compared with the registry: an unreadable or invalid file, "
        "two files with one identity, or a registry failure. The message says which.",
    ),
}


def _rules(report: DriftReport) -> list[dict[str, Any]]:
    rules = []
    for kind in ChangeKind:
        short, full = _KINDS.get(kind, (kind.value.replace("_", " "), "A schema change."))
        cosmetic = kind in COSMETIC_KINDS
        tags = ["schema-drift", "cosmetic" if cosmetic else "compatibility"]
        if not cosmetic:
            full += _VERDICT
        rules.append(_rule(kind.value, short, full, CHANGES_HELP, _default_level(kind), tags))
    for rule_id, (short, full) in _STATUS_RULES.items():
        rules.append(_rule(rule_id, short, full, STATUS_HELP, "error", ["schema-drift"]))
    # A kind this version does not know (a report from elsewhere) still gets a rule.
    known = {rule["id"] for rule in rules}
    for item in report.schemas:
        for change in item.changes:
            if change.kind not in known:
                known.add(change.kind)
                rules.append(
                    _rule(
                        change.kind,
                        f"Schema change: {change.kind}",
                        "A schema change of a kind this version of schema-drift does not "
                        "describe." + _VERDICT,
                        CHANGES_HELP,
                        "warning",
                        ["schema-drift", "compatibility"],
                    )
                )
    return rules


def _uri(file: str, repo_root: str | None) -> dict[str, str]:
    """An artifactLocation for a report `file` ("/"-separated, relative to the cwd)."""
    path = file
    if repo_root is not None:
        absolute = Path(os.path.abspath(file))
        root = Path(os.path.abspath(repo_root))
        inside = absolute.is_relative_to(root)
        path = (absolute.relative_to(root) if inside else absolute).as_posix()
    if path.startswith("/"):  # outside the repository: an absolute file URI
        return {"uri": "file://" + quote(path, safe="/")}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _location(file: str | None, line: int | None, repo_root: str | None) -> list[dict[str, Any]]:
    if not file:
        return []
    physical: dict[str, Any] = {"artifactLocation": _uri(file, repo_root)}
    if line is not None and line >= 1:
        physical["region"] = {"startLine": line}
    return [{"physicalLocation": physical}]


def _suppressions(change: ReportedChange) -> list[dict[str, Any]]:
    suppressions = []
    if change.ignored is not None:
        reason = change.ignored or "ignored by an ignore rule in .schema-drift.yml"
        suppressions.append({"kind": "external", "justification": reason})
    if change.accepted is not None:
        reason = (
            change.accepted or f"fingerprint {change.fingerprint} accepted in .schema-drift.yml"
        )
        suppressions.append({"kind": "external", "justification": reason})
    return suppressions


def _result(
    rule_id: str,
    rule_index: dict[str, int],
    level: str,
    text: str,
    locations: list[dict[str, Any]],
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": rule_index[rule_id],
        "level": level,
        "message": {"text": text},
    }
    if locations:
        result["locations"] = locations
    return result


def _change_result(
    item: SchemaResult,
    change: ReportedChange,
    rule_index: dict[str, int],
    repo_root: str | None,
) -> dict[str, Any]:
    breaks = f" (breaks {', '.join(change.breaks)})" if change.breaks else ""
    text = f"{item.schema}: {change.message}{breaks} (fingerprint {change.fingerprint})"
    level = LEVELS.get(change.severity, "note")
    result = _result(
        change.kind, rule_index, level, text, _location(item.file, change.line, repo_root)
    )
    result["partialFingerprints"] = {FINGERPRINT_KEY: change.fingerprint}
    properties: dict[str, Any] = {
        "schema": item.schema,
        "kind": change.kind,
        "path": change.path,
        "breaks": list(change.breaks),
        "severity": change.severity,
    }
    suppressions = _suppressions(change)
    if suppressions:
        result["suppressions"] = suppressions
        properties["ignored"] = change.ignored is not None
        properties["accepted"] = change.accepted is not None
    result["properties"] = properties
    return result


def _missing_result(
    item: SchemaResult, rule_index: dict[str, int], track: str, repo_root: str | None
) -> dict[str, Any]:
    text = f"{item.schema}: not in the registry (track {track})"
    if item.detail:
        text += f": {item.detail}"
    result = _result(MISSING_RULE, rule_index, "error", text, _location(item.file, 1, repo_root))
    result["properties"] = {"schema": item.schema, "status": item.status.value}
    return result


def _error_result(
    item: SchemaResult, rule_index: dict[str, int], repo_root: str | None
) -> dict[str, Any]:
    text = f"{item.schema}: {item.error or 'could not be compared'}"
    result = _result(ERROR_RULE, rule_index, "error", text, _location(item.file, None, repo_root))
    result["properties"] = {"schema": item.schema, "status": item.status.value}
    return result


def _notifications(report: DriftReport) -> list[dict[str, Any]]:
    """Run-level problems no file location can carry."""
    notes: list[dict[str, Any]] = [
        {"level": "error", "message": {"text": message}} for message in report.run_errors
    ]
    notes += [
        {"level": "error", "message": {"text": f"{item.schema}: {item.error or 'error'}"}}
        for item in report.schemas
        if item.status is Status.ERROR and not item.file
    ]
    notes += [{"level": "warning", "message": {"text": message}} for message in report.warnings]
    return notes


def _directory_uri(path: str) -> str:
    absolute = Path(os.path.abspath(path)).as_posix()
    return "file://" + quote(absolute.rstrip("/") + "/", safe="/")


def to_sarif(report: DriftReport, *, repo_root: str | None = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (one run).

    `file` paths in the report are relative to the working directory; with `repo_root`
    they are made relative to it (the `%SRCROOT%` that code scanning resolves against)
    and `originalUriBaseIds` records where it was.
    """
    rules = _rules(report)
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for item in report.schemas:
        if item.status is Status.DRIFT:
            results += [
                _change_result(item, change, rule_index, repo_root) for change in item.changes
            ]
        elif item.status is Status.MISSING_IN_REGISTRY:
            results.append(_missing_result(item, rule_index, report.track, repo_root))
        elif item.status is Status.ERROR and item.file:
            results.append(_error_result(item, rule_index, repo_root))
    invocation: dict[str, Any] = {"executionSuccessful": not report.has_errors}
    notifications = _notifications(report)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "informationUri": INFORMATION_URI,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "invocations": [invocation],
        "results": results,
        "properties": {
            "track": report.track,
            "registryUrl": report.registry_url,
            "mode": report.mode,
            "policy": report.policy,
            "generatedAt": report.generated_at,
        },
    }
    if repo_root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": _directory_uri(repo_root)}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def write_sarif(report: DriftReport, path: Path, *, repo_root: str | None = None) -> None:
    """Write the SARIF log atomically (like the JSON report)."""
    write_json(path, to_sarif(report, repo_root=repo_root))
