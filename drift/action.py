"""The GitHub Action adapter: INPUT_* → Settings → engine → GitHub sinks → exit code.

`entrypoint.py` runs `main()`; the composite action (engine: python) and the
Docker image (engine: docker) both come here. Inputs are declared in action.yml;
this module maps them onto the same Settings the CLI builds.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from drift.console import render_text
from drift.errors import DriftError, SettingsError
from drift.failure import (
    Failure,
    Progress,
    debug_from_env,
    discard_stale,
    print_traceback,
    write_failed_report,
)
from drift.records import Row
from drift.report import DriftReport
from drift.settings import CompareSettings, FailOn, Settings, load_settings, parse_bool
from drift.sinks import workflow
from drift.sources.spec import Side, SideKind

# action input → Settings input (the CLI flag name)
SETTINGS_INPUTS = {
    "track": "track",
    "registry-url": "registry-url",
    "schema-dir": "schema-dir",
    "mode": "mode",
    "policy": "policy",
    "fail-on": "fail-on",
    "config": "config",
    "include-new": "include-new",
    "verify-index": "verify-index",
    "retry-budget": "retry-budget",
    "report-path": "output",
    "pushgateway-url": "pushgateway",
    "pulse-url": "pulse-url",
    "pulse-namespace": "pulse-namespace",
    "repo": "repo",
}
# inputs this adapter reads itself (the composite steps read the rest)
ADAPTER_INPUTS = (
    "against",
    "compare-track",
    "registry-token",
    "sarif-path",
    "annotations",
    "summary",
    "pr-comment",
    "github-token",
    "artifact-name",
)
# inputs only the composite steps use
COMPOSITE_INPUTS = ("upload-artifact", "retention-days", "engine", "setup-python", "python")
SECRET_INPUTS = ("registry-token", "github-token")
TOKEN_ENV = "SCHEMA_DRIFT_REGISTRY_TOKEN"  # noqa: S105 (an env var name, not a secret)
_SETTINGS_TO_INPUT = {value: key for key, value in SETTINGS_INPUTS.items()}


def read_input(env: Mapping[str, str], name: str) -> str | None:
    """Docker actions get INPUT_REGISTRY-URL (hyphen kept); the composite passes underscores."""
    upper = name.upper()
    for key in (f"INPUT_{upper}", f"INPUT_{upper.replace('-', '_')}"):
        value = env.get(key)
        if value is not None and value.strip() != "":
            return value.strip()
    return None


def input_label(settings_name: str) -> str:
    return f"input '{_SETTINGS_TO_INPUT.get(settings_name, settings_name)}'"


class ActionOptions(Row):
    settings: Settings
    report_path: str
    sarif_path: str | None
    annotations: bool
    summary: bool
    pr_comment: bool
    github_token: str | None
    artifact_name: str
    against: str | None = None  # "base" (the pull request's base commit) or a ref / SHA
    compare_track: str | None = None  # the track a migration preview moves to

    def beside(self, kind: str) -> str:
        return beside(self.report_path, kind)


def beside(report_path: str, kind: str) -> str:
    """Where the `against` or migration report goes: beside report-path, e.g.
    drift_report.against.json."""
    stem, dot, suffix = report_path.rpartition(".")
    if not dot or "/" in suffix:
        return f"{report_path}.{kind}.json"
    return f"{stem}.{kind}.{suffix}"


def _against(value: str | None) -> str | None:
    from drift.sources.spec import check_revision  # noqa: PLC0415

    if value is None or value == "base":
        return value
    try:
        return check_revision(value)
    except ValueError as exc:
        raise ValueError(f"{exc}; or base, the pull request's base commit") from None


def _compare_track(value: str | None, track: str | None) -> str | None:
    from drift.settings import TRACKS  # noqa: PLC0415

    if value is None:
        return None
    if value not in TRACKS:
        raise ValueError(f"{value!r} is not a registry track; use {' or '.join(TRACKS)}, e.g. v2")
    if value == track:
        raise ValueError(f"{value!r} is the checked track itself; name the other, e.g. v2")
    return value


def parse_inputs(env: Mapping[str, str], cwd: Path) -> ActionOptions:
    """Validate every input (all problems at once) into options, or raise SettingsError."""
    raw = {name: read_input(env, name) for name in (*SETTINGS_INPUTS, *ADAPTER_INPUTS)}
    settings_raw: dict[str, str | None] = {
        target: raw[source] for source, target in SETTINGS_INPUTS.items()
    }
    child_env = dict(env)
    if raw["registry-token"]:
        child_env[TOKEN_ENV] = raw["registry-token"] or ""
        settings_raw["token-env"] = TOKEN_ENV
    else:
        settings_raw["token-env"] = "REGISTRY_TOKEN"
    settings_raw["quiet"] = "true"
    problems: list[str] = []
    try:
        settings = load_settings(settings_raw, env=child_env, cwd=cwd, label=input_label)
    except SettingsError as exc:
        problems += str(exc).splitlines()
    flags: dict[str, bool] = {}
    for name, default in (("annotations", True), ("summary", True), ("pr-comment", False)):
        try:
            flags[name] = parse_bool(raw[name] or str(default).lower())
        except ValueError as exc:
            problems.append(f"input '{name}': {exc}")
    against: str | None = None
    compare_track: str | None = None
    try:
        against = _against(raw["against"])
    except ValueError as exc:
        problems.append(f"input 'against': {exc}")
    try:
        compare_track = _compare_track(raw["compare-track"], raw["track"] or "v1")
    except ValueError as exc:
        problems.append(f"input 'compare-track': {exc}")
    if problems:
        raise SettingsError("\n".join(problems))
    track = settings.track
    return ActionOptions(
        settings=settings,
        report_path=raw["report-path"] or "drift_report.json",
        sarif_path=raw["sarif-path"],
        annotations=flags["annotations"],
        summary=flags["summary"],
        pr_comment=flags["pr-comment"],
        github_token=raw["github-token"],
        artifact_name=raw["artifact-name"] or f"schema-drift-report-{track}",
        against=against,
        compare_track=compare_track,
    )


def _set_outputs(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    if env.get("GITHUB_OUTPUT"):
        for name, value in values.items():
            workflow.set_output(name, value)


def _append_summary(env: Mapping[str, str], markdown: str) -> None:
    if env.get("GITHUB_STEP_SUMMARY"):
        workflow.append_summary(markdown)


FIX_INPUTS = "Fix the inputs above (see the action's README for accepted values)."
FIX_BUG = (
    "This is a bug in schema-drift, not in your schemas: re-run the job with debug logging "
    "for the traceback, and report it."
)


def die(
    env: Mapping[str, str],
    problems: list[str],
    *,
    report_path: str | None,
    notes: list[str] | None = None,
    failed: bool = False,
    fix: str = FIX_INPUTS,
) -> int:
    """Stop with exit 2: one error annotation per problem, a summary, the outputs.

    `report_path` is given only when this run wrote a report there (the upload step
    uploads what the output names); `notes` say what happened to the previous one.
    """
    from drift.sinks.markdown import md_text  # noqa: PLC0415

    what = "failed" if failed else "could not run"  # failed: it started, then something broke
    for problem in problems:
        title = f"schema-drift: {'check failed' if failed else 'cannot run'}"
        workflow.annotate("error", problem, title=title)
    for note in notes or []:
        workflow.annotate("warning", note, title="schema-drift")
    _append_summary(
        env,
        f"## 🛑 Schema drift: the check {what}\n\n"
        + "\n".join(f"- {md_text(problem)}" for problem in problems)
        + "".join(f"\n\n{md_text(note)}" for note in notes or [])
        + f"\n\n{fix}\n",
    )
    _set_outputs(
        env,
        {"status": "error", "exit-code": "2", "report-path": report_path or "", "sarif-path": ""},
    )
    return 2


def _print_plain(text: str) -> None:
    """Human text on stdout, with workflow commands off so names cannot inject any."""
    token = workflow.stop_commands()
    sys.stdout.write(text)
    sys.stdout.flush()
    workflow.resume_commands(token)


def _discard_outputs(env: Mapping[str, str], cwd: Path) -> list[str]:
    """Remove what an earlier run left at report-path, sarif-path and the comparisons'
    reports beside report-path; notes saying so."""
    report = read_input(env, "report-path") or "drift_report.json"
    paths = [report, read_input(env, "sarif-path")]
    paths += [beside(report, kind) for kind in ("against", "migration")]
    notes = [discard_stale(cwd / path) for path in paths if path]
    return [note for note in notes if note]


def run(env: Mapping[str, str], cwd: Path) -> int:
    """The whole step: every failure ends in die(), with exit 2."""
    for name in SECRET_INPUTS:
        secret = read_input(env, name)
        if secret:
            workflow.add_mask(secret)
    try:
        options = parse_inputs(env, cwd)
    except SettingsError as exc:
        notes = _discard_outputs(env, cwd)
        return die(env, str(exc).splitlines(), report_path=None, notes=notes)
    progress = Progress()
    try:
        return _check(env, cwd, options, progress)
    except (Exception, KeyboardInterrupt) as exc:
        return _failed(env, cwd, options, progress, exc)


def _failed(
    env: Mapping[str, str],
    cwd: Path,
    options: ActionOptions,
    progress: Progress,
    exc: BaseException,
) -> int:
    """A check that broke: the report says so (or no report is left), then die()."""
    failure = Failure.of(exc)
    debug = debug_from_env(env)
    if debug:
        print_traceback(exc)
    written, note = write_failed_report(options.settings, failure.problem, progress)
    notes = [note] if note else []
    sarif = cwd / options.sarif_path if options.sarif_path else None
    if sarif is not None and sarif not in progress.wrote:  # an earlier run's is not this one's
        stale = discard_stale(sarif)
        notes += [stale] if stale else []
    hint = (
        " (re-run with debug logging for the traceback)" if failure.internal and not debug else ""
    )
    return die(
        env,
        [failure.problem + hint],
        report_path=options.report_path if written else None,
        notes=notes,
        failed=True,
        fix=FIX_BUG if failure.internal else "The report says what failed.",
    )


def _check(env: Mapping[str, str], cwd: Path, options: ActionOptions, progress: Progress) -> int:
    from drift.engine import check  # noqa: PLC0415
    from drift.policy import judge  # noqa: PLC0415
    from drift.report import write_json  # noqa: PLC0415
    from drift.sinks import github  # noqa: PLC0415

    settings = options.settings
    report = progress.report = check(settings, cwd=cwd).report
    if settings.telemetry.enabled:
        from drift.telemetry import send  # noqa: PLC0415

        for sink, ok, error in send(report, settings.telemetry, env=env):
            if not ok:
                workflow.annotate(
                    "warning", f"{sink}: {error}; the check goes on", title="schema-drift telemetry"
                )
    try:
        write_json(settings.output, report.to_dict())
    except OSError as exc:
        problem = f"input 'report-path': cannot write {settings.output}: {exc.strerror or exc}"
        stale = discard_stale(settings.output)
        return die(env, [problem], report_path=None, notes=[stale] if stale else [])
    sarif_path = ""
    if options.sarif_path:
        from drift.sinks.sarif import write_sarif  # noqa: PLC0415

        try:
            write_sarif(report, cwd / options.sarif_path)
            progress.wrote.append(cwd / options.sarif_path)
            sarif_path = options.sarif_path
        except OSError as exc:
            workflow.annotate(
                "warning",
                f"cannot write SARIF to {options.sarif_path}: {exc}",
                title="schema-drift",
            )
    verdict = judge(report, settings.fail_on)
    _print_plain(render_text(report, options.report_path, verdict))
    extra = _comparisons(env, cwd, options)
    codes = [int(verdict.code)] + [extra_run.code for extra_run in extra]
    code = 2 if 2 in codes else max(codes)

    reports = [report] + [extra_run.report for extra_run in extra]
    if options.annotations:  # the comparisons' first: they point at the pull request's lines
        github.emit_annotations(github.select_from(reports[1:] + reports[:1], settings.fail_on))
    links = github.LinkBase(
        env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    )
    budget = github.SUMMARY_BUDGET // len(reports)  # one step summary holds every section
    sections = [
        github.step_summary(report, links=links, artifact=options.artifact_name, budget=budget)
    ]
    sections += [
        github.step_summary(
            extra_run.report,
            links=links,
            artifact=options.artifact_name,
            title=extra_run.title,
            budget=budget,
        )
        for extra_run in extra
    ]
    markdown = "\n".join(sections)
    if options.summary:
        _append_summary(env, markdown)
    if options.pr_comment:
        _comment(env, options, markdown)
    values = github.outputs(
        report, report_path=options.report_path, sarif_path=sarif_path, exit_code=code
    )
    values.update(dict.fromkeys(COMPARISON_OUTPUTS, ""))
    for extra_run in extra:
        values.update(extra_run.outputs)
    _set_outputs(env, values)
    return code


COMPARISON_OUTPUTS = (
    "against-status",
    "against-changed",
    "against-breaking",
    "against-report-path",
    "migration-safe",
    "migration-report-path",
)


class ExtraRun(Row):
    """A comparison the step ran beside its check: `against`, or the migration preview."""

    report: DriftReport
    title: str
    code: int  # what it adds to the step's exit code
    outputs: dict[str, str]


def _comparisons(env: Mapping[str, str], cwd: Path, options: ActionOptions) -> list[ExtraRun]:
    for kind in ("against", "migration"):  # an earlier run's is never read as this one's
        discard_stale(cwd / options.beside(kind))
    runs = []
    if options.against:
        against = _run_against(env, cwd, options, options.against)
        if against is not None:
            runs.append(against)
    if options.compare_track:
        runs.append(_run_migration(cwd, options, options.compare_track))
    return runs


def _side_settings(
    options: ActionOptions, cwd: Path, command: str, old: Side, new: Side, kind: str
) -> CompareSettings:
    s = options.settings
    return CompareSettings(
        command=command,
        old=old,
        new=new,
        output=cwd / options.beside(kind),
        format="text",
        fail_on=s.fail_on if command == "compare" else FailOn.BREAKING,
        mode=s.mode,
        policy=s.policy,
        config=s.config,
        token_env=s.token_env,
        token=s.token,
        concurrency=s.concurrency,
        timeout=s.timeout,
        retries=s.retries,
        retry_budget=s.retry_budget,
        verify_index=s.verify_index,
        quiet=True,
    )


def _run_against(
    env: Mapping[str, str], cwd: Path, options: ActionOptions, revision: str
) -> ExtraRun | None:
    from drift.engine import compare_sources  # noqa: PLC0415
    from drift.policy import judge  # noqa: PLC0415
    from drift.sinks import github  # noqa: PLC0415
    from drift.sinks.prcomment import PULL_REQUEST_EVENTS  # noqa: PLC0415
    from drift.sources.spec import git_side  # noqa: PLC0415

    settings = options.settings
    title = f"Against {revision}"
    if revision == "base":
        event = env.get("GITHUB_EVENT_NAME") or "(no event)"
        if event not in PULL_REQUEST_EVENTS:
            workflow.annotate(
                "notice",
                f"against: base compares with a pull request's base commit; a {event} event "
                "has none, so that comparison is skipped",
                title="schema-drift",
            )
            return None
        revision = pull_request_base(env.get("GITHUB_EVENT_PATH"))
        title = "Against the pull request's base"
    folder = os.path.relpath(settings.schema_dir, cwd).replace(os.sep, "/")
    old = git_side(revision, folder)
    new = Side(SideKind.DIR, folder, path=settings.schema_dir)
    compare_settings = _side_settings(options, cwd, "compare", old, new, "against")
    report = compare_sources(compare_settings, cwd=cwd, trust_repository=True).result.report
    path = options.beside("against")
    _write_beside(compare_settings.output, report)
    verdict = judge(report, settings.fail_on)
    _print_plain(render_text(report, path, verdict))
    outputs = github.against_outputs(report, report_path=path)
    return ExtraRun(report, title, int(verdict.code), outputs)


def _run_migration(cwd: Path, options: ActionOptions, to_track: str) -> ExtraRun:
    from drift.engine import compare_sources  # noqa: PLC0415
    from drift.sinks import github  # noqa: PLC0415

    s = options.settings
    url = s.public_registry_url

    def side(track: str) -> Side:
        return Side(SideKind.REGISTRY, f"{url}#{track}", s.registry_path, None, None,
                    s.registry_url, s.registry_kind, track)  # fmt: skip

    compare_settings = _side_settings(
        options, cwd, "migrate", side(s.track), side(to_track), "migration"
    )
    report = compare_sources(compare_settings, cwd=cwd).result.report
    path = options.beside("migration")
    _write_beside(compare_settings.output, report)
    # A preview informs: an unsafe migration never fails the step, an error does. Its
    # text ends on the migration's own line, not on a verdict that would not hold.
    _print_plain(render_text(report, path))
    code = 2 if report.has_errors else 0
    return ExtraRun(
        report, "Migration preview", code, github.migration_outputs(report, report_path=path)
    )


def _write_beside(path: Path, report: DriftReport) -> None:
    from drift.report import write_json  # noqa: PLC0415

    write_json(path, report.to_dict())


def pull_request_base(event_path: str | None) -> str:
    """The pull request's base commit, `pull_request.base.sha` in the event payload."""
    from drift.documents import loads_json  # noqa: PLC0415

    where = f"the event payload (GITHUB_EVENT_PATH={event_path or ''})"
    try:
        payload = loads_json(Path(event_path or "").read_bytes())
    except (OSError, ValueError) as exc:
        raise DriftError(f"against: base: cannot read {where}: {exc}") from None
    pull = payload.get("pull_request") if isinstance(payload, dict) else None
    base = pull.get("base") if isinstance(pull, dict) else None
    sha = base.get("sha") if isinstance(base, dict) else None
    if (
        not isinstance(sha, str)
        or len(sha) not in (40, 64)
        or not all(c in "0123456789abcdef" for c in sha)
    ):
        raise DriftError(f"against: base: {where} names no commit at pull_request.base.sha")
    return sha


def _comment(env: Mapping[str, str], options: ActionOptions, markdown: str) -> None:
    """Create or update this workflow's comment on the pull request; never fail the check."""
    from drift.sinks import prcomment  # noqa: PLC0415

    event_path, event_name = env.get("GITHUB_EVENT_PATH"), env.get("GITHUB_EVENT_NAME")
    number = prcomment.pull_request_number(event_path, event_name)
    if number is None:
        return  # not a pull request: nothing to comment on
    if not options.github_token:
        workflow.annotate(
            "warning",
            "pr-comment is on but github-token is empty; no comment",
            title="schema-drift",
        )
        return
    workflow_name = env.get("GITHUB_WORKFLOW", "schema-drift")
    try:
        prcomment.upsert_comment(
            api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            number=number,
            token=options.github_token,
            body=markdown,
            marker=prcomment.marker(workflow_name, options.settings.track),
        )
    except prcomment.CommentError as exc:
        workflow.annotate(
            "warning", f"could not comment on the pull request: {exc}", title="schema-drift"
        )


def main(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> int:
    """The action as a function: returns 0, 1 or 2, and raises nothing."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    try:
        return run(env, cwd)
    except (Exception, KeyboardInterrupt) as exc:  # before the inputs were read, or in die()
        return _last_resort(env, cwd, exc)


def _last_resort(env: Mapping[str, str], cwd: Path, exc: BaseException) -> int:
    failure = Failure.of(exc)
    if debug_from_env(env):
        print_traceback(exc)
    try:
        notes = _discard_outputs(env, cwd)
        return die(env, [failure.problem], report_path=None, notes=notes, failed=True, fix=FIX_BUG)
    except Exception:  # die() itself broke: the annotation by hand, then still exit 2
        text = failure.problem.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=schema-drift%3A check failed::{text}", flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
