"""The GitHub Action adapter: INPUT_* → Settings → engine → GitHub sinks → exit code.

`entrypoint.py` runs `main()`; the composite action (engine: python) and the
Docker image (engine: docker) both come here. Inputs are declared in action.yml;
this module maps them onto the same Settings the CLI builds.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from drift.errors import SettingsError
from drift.failure import Failure, Progress, debug_from_env, discard_stale, write_failed_report
from drift.settings import Settings, load_settings, parse_bool

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


@dataclass(frozen=True)
class ActionOptions:
    settings: Settings
    report_path: str
    sarif_path: str | None
    annotations: bool
    summary: bool
    pr_comment: bool
    github_token: str | None
    artifact_name: str


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
    )


def _set_outputs(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    import github_action_utils as gha  # noqa: PLC0415

    if env.get("GITHUB_OUTPUT"):
        for name, value in values.items():
            gha.set_output(name, value)


def _append_summary(env: Mapping[str, str], markdown: str) -> None:
    import github_action_utils as gha  # noqa: PLC0415

    if env.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(markdown)


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
    import github_action_utils as gha  # noqa: PLC0415

    from drift.sinks.markdown import md_text  # noqa: PLC0415

    what = "failed" if failed else "could not run"  # failed: it started, then something broke
    for problem in problems:
        gha.error(problem, title=f"schema-drift: {'check failed' if failed else 'cannot run'}")
    for note in notes or []:
        gha.warning(note, title="schema-drift")
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
    import github_action_utils as gha  # noqa: PLC0415

    token = gha.begin_stop_commands()
    sys.stdout.write(text)
    sys.stdout.flush()
    gha.end_stop_commands(token)


def _discard_outputs(env: Mapping[str, str], cwd: Path) -> list[str]:
    """Remove what an earlier run left at report-path and sarif-path; notes saying so."""
    paths = [read_input(env, "report-path") or "drift_report.json", read_input(env, "sarif-path")]
    notes = [discard_stale(cwd / path) for path in paths if path]
    return [note for note in notes if note]


def run(env: Mapping[str, str], cwd: Path) -> int:
    """The whole step: every failure ends in die(), with exit 2."""
    import github_action_utils as gha  # noqa: PLC0415

    for name in SECRET_INPUTS:
        secret = read_input(env, name)
        if secret:
            gha.add_mask(secret)
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
        traceback.print_exception(exc, file=sys.stderr)
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
    import github_action_utils as gha  # noqa: PLC0415

    from drift.console import render_text  # noqa: PLC0415
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
                gha.warning(f"{sink}: {error}; the check goes on", title="schema-drift telemetry")
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
            gha.warning(f"cannot write SARIF to {options.sarif_path}: {exc}", title="schema-drift")
    verdict = judge(report, settings.fail_on)
    code = int(verdict.code)

    _print_plain(render_text(report, options.report_path, verdict))
    if options.annotations:
        github.emit_annotations(github.select_annotations(report, settings.fail_on))
    links = github.LinkBase(
        env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    )
    markdown = github.step_summary(report, links=links, artifact=options.artifact_name)
    if options.summary:
        _append_summary(env, markdown)
    if options.pr_comment:
        _comment(env, options, markdown)
    _set_outputs(
        env,
        github.outputs(
            report, report_path=options.report_path, sarif_path=sarif_path, exit_code=code
        ),
    )
    return code


def _comment(env: Mapping[str, str], options: ActionOptions, markdown: str) -> None:
    """Create or update this workflow's comment on the pull request; never fail the check."""
    import github_action_utils as gha  # noqa: PLC0415

    from drift.sinks import prcomment  # noqa: PLC0415

    event_path, event_name = env.get("GITHUB_EVENT_PATH"), env.get("GITHUB_EVENT_NAME")
    number = prcomment.pull_request_number(event_path, event_name)
    if number is None:
        return  # not a pull request: nothing to comment on
    if not options.github_token:
        gha.warning("pr-comment is on but github-token is empty; no comment", title="schema-drift")
        return
    workflow = env.get("GITHUB_WORKFLOW", "schema-drift")
    try:
        prcomment.upsert_comment(
            api_url=env.get("GITHUB_API_URL", "https://api.github.com"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            number=number,
            token=options.github_token,
            body=markdown,
            marker=prcomment.marker(workflow, options.settings.track),
        )
    except prcomment.CommentError as exc:
        gha.warning(f"could not comment on the pull request: {exc}", title="schema-drift")


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
        traceback.print_exception(exc, file=sys.stderr)
    try:
        notes = _discard_outputs(env, cwd)
        return die(env, [failure.problem], report_path=None, notes=notes, failed=True, fix=FIX_BUG)
    except Exception:  # die() itself broke: the annotation by hand, then still exit 2
        text = failure.problem.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        print(f"::error title=schema-drift%3A check failed::{text}", flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
