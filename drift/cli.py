"""The `schema-drift` command line: check, compare, migrate, diff, pull, watch, registry serve."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, NoReturn

from drift import __version__
from drift.errors import SettingsError
from drift.failure import (
    Progress,
    cannot_listen,
    discard_stale,
    ended,
    exit_status,
    run_process,
    tell,
    write_failed_report,
)
from drift.settings import (
    COMPARE_DEFAULTS,
    DEFAULTS,
    CompareSettings,
    Settings,
    load_compare_settings,
    load_settings,
)

if TYPE_CHECKING:
    from drift.subscribe import SubscribeOptions

# Flags shared by check and pull, by input name: (help, metavar).
_REGISTRY_FLAGS = {
    "registry-url": (
        "registry base URL (http[s]://…), or a registry directory / file:// URL",
        "URL",
    ),
    "track": ("registry track: v1 or v2", "TRACK"),
    "schema-dir": ("directory of local snapshots (*.json, *.yaml, *.yml; recursive)", "DIR"),
    "token-env": ("env var holding the registry bearer token", "NAME"),
    "concurrency": ("registry requests in flight at once", "N"),
    "timeout": ("seconds before one registry request times out", "SECONDS"),
    "retries": ("retries on connect errors, timeouts, 429 and 5xx", "N"),
    "retry-budget": (
        "seconds one run may spend waiting to retry, all requests together",
        "SECONDS",
    ),
    "verify-index": (
        "trust in the registry index's hashes: probe (one schema checks them) or all "
        "(every schema with a snapshot is fetched and judged by content)",
        "MODE",
    ),
}


# How drift is judged: check and watch take all three, diff the first two.
_VERDICT_FLAGS = {
    "mode": ("compatibility to judge: backward, forward or full", "MODE"),
    "policy": ("strict (Confluent's rules) or lenient", "POLICY"),
    "config": ("ignore/accept rules (default: .schema-drift.yml at the repo root)", "FILE"),
}
_TELEMETRY_FLAGS = {
    "pushgateway": (
        "Prometheus Pushgateway URL (auth: PUSHGATEWAY_USERNAME/_PASSWORD or _TOKEN)",
        "URL",
    ),
    "pulse-url": ("redis:// URL of Pulse, the event bus", "URL"),
    "pulse-namespace": ("Pulse namespace", "NS"),
    "repo": (
        "repo label for metrics and events (default: $GITHUB_REPOSITORY's name, else the cwd's)",
        "NAME",
    ),
}


SIDE_SPELLINGS = (
    "a schema dir (schemas), a git revision of one (git:REV:PATH, e.g. git:origin/main:schemas, "
    "PATH relative to the current directory), or a registry track (https://HOST#v2, or a "
    "registry directory with its track: examples/registry#v1)"
)
_CLIENT_FLAGS = ("token-env", "concurrency", "timeout", "retries", "retry-budget", "verify-index")


def _add_comparison_flags(parser: argparse.ArgumentParser, command: str) -> None:
    """compare's and migrate's flags: check's verdict flags, --format, the registry client's."""
    defaults = {**DEFAULTS, **COMPARE_DEFAULTS[command]}
    verdict = {
        "output": ("where to write the JSON report", "FILE"),
        "format": ("what to print on stdout: text, json (the report) or markdown", "FORMAT"),
        "fail-on": ("exit 1 on: drift (any change or removal), breaking, or never", "WHEN"),
        **_VERDICT_FLAGS,
    }
    _add_flags(parser, verdict, defaults)
    _add_flags(parser, {name: _REGISTRY_FLAGS[name] for name in _CLIENT_FLAGS})
    _add_switch(parser, "quiet", "print nothing on stderr but errors")


def _add_flags(
    parser: argparse.ArgumentParser,
    flags: dict[str, tuple[str, str]],
    defaults: dict[str, str] = DEFAULTS,
) -> None:
    for name, (text, metavar) in flags.items():
        default = defaults.get(name)
        suffix = f" (default: {default})" if default else ""
        parser.add_argument(f"--{name}", dest=name, metavar=metavar, help=text + suffix)


def _add_telemetry(parser: argparse.ArgumentParser) -> None:
    _add_flags(parser, _TELEMETRY_FLAGS)
    _add_switch(
        parser,
        "emit-telemetry",
        "send Pulse events as the seed did: PULSE_ENABLED, REDIS_URL, MD_NAMESPACE",
    )


def _add_switch(parser: argparse.ArgumentParser, name: str, text: str) -> None:
    parser.add_argument(f"--{name}", dest=name, action="store_const", const="true", help=text)


_DEBUG_HELP = "on an internal error, print the traceback too"


def _add_debug(*parsers: argparse.ArgumentParser) -> None:
    """--debug after the command too; SUPPRESS keeps a subcommand from resetting it to False."""
    for parser in parsers:
        parser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schema-drift",
        description="Compare local JSON Schema snapshots with the Schema Registry.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="compare snapshots with the registry, write a report")
    _add_flags(check, _REGISTRY_FLAGS)
    _add_flags(
        check,
        {
            "output": ("where to write the JSON drift report", "FILE"),
            "fail-on": ("exit 1 on: drift, breaking, or never", "WHEN"),
            **_VERDICT_FLAGS,
        },
    )
    check.add_argument(
        "--sarif",
        dest="sarif_path",
        metavar="FILE",
        help="also write SARIF 2.1.0 here, for code scanning (default: no SARIF)",
    )
    _add_switch(check, "include-new", "also list registry schemas that have no local snapshot")
    _add_switch(check, "quiet", "print only errors to stderr")
    _add_telemetry(check)
    _add_switch(check, "strict-telemetry", "exit 2 when a telemetry sink fails (default: warn)")

    watch = commands.add_parser("watch", help="check every --interval seconds; serve /metrics")
    _add_flags(watch, _REGISTRY_FLAGS)
    _add_flags(
        watch,
        {
            **_VERDICT_FLAGS,
            "interval": ("seconds between checks", "SECONDS"),
            "metrics-port": ("port for /metrics; 0 picks a free one", "PORT"),
            "metrics-host": ("address for /metrics", "HOST"),
        },
    )
    _add_telemetry(watch)
    _add_switch(watch, "subscribe", "also follow the registry's publish/deprecate events on Pulse")
    _add_flags(
        watch,
        {
            "group": ("consumer group (default: schema-drift.REPO)", "NAME"),
            "consumer": ("consumer name in the group (default: HOSTNAME-PID)", "NAME"),
            "published-stream": ("publish events' stream (default: NS:NS.schema.published)", "KEY"),
            "deprecated-stream": (
                "deprecation events' stream (default: NS:NS.schema.deprecated)",
                "KEY",
            ),
            "claim-after": (
                "seconds before another consumer's pending event is claimed (default: 60)",
                "SECONDS",
            ),
        },
    )

    pull = commands.add_parser("pull", help="write the registry's content into the snapshots")
    _add_flags(pull, _REGISTRY_FLAGS)
    _add_switch(pull, "only-drifted", "update only snapshots that drifted; add no new files")
    _add_switch(pull, "quiet", "print only errors to stderr")

    diff = commands.add_parser("diff", help="compare two schema files: what changed, does it break")
    diff.add_argument("old", metavar="OLD", help="the schema as it was (JSON or YAML)")
    diff.add_argument("new", metavar="NEW", help="the schema as it is now")
    _add_flags(
        diff,
        {
            "mode": _VERDICT_FLAGS["mode"],
            "policy": _VERDICT_FLAGS["policy"],
            "format": ("output: text, json or markdown", "FORMAT"),
        },
    )

    compare = commands.add_parser(
        "compare",
        help="compare any two schema sources: a dir, git:REV:PATH, URL#TRACK",
        description=f"Compare two schema sources, OLD and NEW. Each side is {SIDE_SPELLINGS}.",
    )
    compare.add_argument(
        "old", metavar="OLD", help="the schemas as they were, e.g. git:origin/main:schemas"
    )
    compare.add_argument("new", metavar="NEW", help="the schemas as they are, e.g. schemas")
    _add_comparison_flags(compare, "compare")

    migrate = commands.add_parser(
        "migrate",
        help="preview a migration from one registry track to another (v1 → v2)",
        description="Each --from schema beside its --to counterpart, diffed; schemas dropped and "
        "new; deprecations; and whether moving every consumer is safe.",
    )
    _add_flags(
        migrate,
        {
            "registry-url": _REGISTRY_FLAGS["registry-url"],
            "from": ("the track consumers move from, e.g. v1", "TRACK"),
            "to": ("the track they move to, e.g. v2", "TRACK"),
        },
    )
    _add_comparison_flags(migrate, "migrate")

    registry = commands.add_parser("registry", help="registry tools")
    registry_commands = registry.add_subparsers(dest="registry_command", required=True)
    serve = registry_commands.add_parser("serve", help="serve a registry directory over HTTP")
    serve.add_argument("directory", metavar="DIR", help="registry directory (index.json, schemas/)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8765, help="port; 0 picks a free one (default: 8765)"
    )
    serve.add_argument(
        "--delay-ms", type=float, default=0.0, help="latency added to every response (benchmarks)"
    )
    serve.add_argument("--verbose", action="store_true", help="log every request to stderr")
    _add_debug(check, watch, pull, diff, compare, migrate, serve)
    return parser


def _raw(args: argparse.Namespace) -> dict[str, str | None]:
    return {key: value for key, value in vars(args).items() if "-" in key or key.isalpha()}


def _settings(args: argparse.Namespace, *, must_exist: bool = True) -> Settings:
    return load_settings(_raw(args), schema_dir_must_exist=must_exist)


def _say(note: str | None) -> None:
    if note:
        print(f"schema-drift: {note}", file=sys.stderr, flush=True)


def _settings_failed(exc: SettingsError) -> int:
    for line in str(exc).splitlines():
        print(f"schema-drift: error: {line}", file=sys.stderr)
    return 2


def run_check(args: argparse.Namespace) -> int:
    """check, ending in a report at --output whatever happens, or in none at all."""
    try:
        settings = _settings(args)
    except SettingsError as exc:
        code = _settings_failed(exc)
        _say(discard_stale(Path.cwd() / ((args.output or "").strip() or DEFAULTS["output"])))
        if args.sarif_path:
            _say(discard_stale(Path.cwd() / args.sarif_path))
        return code
    progress = Progress()
    try:
        return _check(settings, args, progress)
    except (Exception, KeyboardInterrupt) as exc:
        failure = tell(exc, debug=args.debug)
        _say(write_failed_report(settings, failure.problem, progress)[1])
        sarif = Path.cwd() / args.sarif_path if args.sarif_path else None
        if sarif is not None and sarif not in progress.wrote:  # an earlier run's is not this one's
            _say(discard_stale(sarif))
        return 2


def _check(settings: Settings, args: argparse.Namespace, progress: Progress) -> int:
    from drift.console import render_text  # noqa: PLC0415
    from drift.engine import check  # noqa: PLC0415
    from drift.policy import ExitCode, Verdict, judge  # noqa: PLC0415
    from drift.report import write_json  # noqa: PLC0415
    from drift.telemetry import send  # noqa: PLC0415

    report = progress.report = check(settings).report
    outcomes = send(report, settings.telemetry) if settings.telemetry.enabled else []
    try:
        write_json(settings.output, report.to_dict())
    except OSError as exc:
        print(
            f"schema-drift: error: cannot write --output {settings.output}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        _say(discard_stale(settings.output))
        return 2
    if args.sarif_path:
        from drift.sinks.sarif import write_sarif  # noqa: PLC0415

        sarif = Path.cwd() / args.sarif_path
        try:
            write_sarif(report, sarif)
        except OSError as exc:
            print(
                f"schema-drift: error: cannot write --sarif {args.sarif_path}: "
                f"{exc.strerror or exc}",
                file=sys.stderr,
            )
            _say(discard_stale(sarif))
            return 2
        progress.wrote.append(sarif)
    verdict = judge(report, settings.fail_on)
    failed = [sink for sink, ok, _ in outcomes if not ok]
    if settings.strict_telemetry and failed:
        verdict = Verdict(ExitCode.ERROR, f"{', '.join(failed)} failed under --strict-telemetry")
    if not settings.quiet:
        sys.stderr.write(render_text(report, str(args.output or DEFAULTS["output"]), verdict))
    return int(verdict.code)


def run_compare(args: argparse.Namespace) -> int:
    """compare and migrate, ending in a report at --output whatever happens, or in none."""
    command = args.command
    try:
        settings = load_compare_settings(_raw(args), command=command)
    except SettingsError as exc:
        code = _settings_failed(exc)
        output = (args.output or "").strip() or COMPARE_DEFAULTS[command]["output"]
        _say(discard_stale(Path.cwd() / output))
        return code
    progress = Progress()
    try:
        return _compare(settings, progress)
    except (Exception, KeyboardInterrupt) as exc:
        failure = tell(exc, debug=args.debug)
        _say(write_failed_report(settings, failure.problem, progress)[1])
        return 2


def _compare(settings: CompareSettings, progress: Progress) -> int:
    from drift.console import render_text  # noqa: PLC0415
    from drift.engine import compare_sources  # noqa: PLC0415
    from drift.policy import judge  # noqa: PLC0415
    from drift.report import dumps_readable, write_json  # noqa: PLC0415

    report = progress.report = compare_sources(settings).result.report
    data = report.to_dict()
    try:
        write_json(settings.output, data)
    except OSError as exc:
        print(
            f"schema-drift: error: cannot write --output {settings.output}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        _say(discard_stale(settings.output))
        return 2
    verdict = judge(report, settings.fail_on)
    shown = _shown_path(settings.output)
    if settings.format == "json":
        sys.stdout.write(dumps_readable(data))  # the report file's own text
    elif settings.format == "markdown":
        from drift.sinks.github import LinkBase, step_summary  # noqa: PLC0415

        sys.stdout.write(step_summary(report, links=LinkBase(None, None, None), artifact=None))
    else:
        sys.stdout.write(render_text(report, shown, verdict))
    if settings.format != "text" and not settings.quiet:
        print(f"report: {shown}\n{verdict.line}", file=sys.stderr)
    return int(verdict.code)


def _shown_path(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _keeps_running() -> None:
    """`watch` and `registry serve` run for days: the collector `run` turned off comes back."""
    gc.enable()


def run_watch(args: argparse.Namespace) -> int:
    from drift.watch import run_watch as loop  # noqa: PLC0415

    _keeps_running()
    settings = _settings(args)
    raw = vars(args)
    try:
        interval = float(raw["interval"] or DEFAULTS["interval"])
        port = int(raw["metrics-port"] or DEFAULTS["metrics-port"])
    except ValueError:
        raise SettingsError(
            "--interval and --metrics-port take numbers, e.g. 300 and 9108"
        ) from None
    if interval <= 0 or not 0 <= port <= 65535:
        raise SettingsError("--interval must be > 0 and --metrics-port in 0..65535; e.g. 300, 9108")
    return loop(
        settings,
        settings.telemetry,
        interval=interval,
        metrics_host=raw["metrics-host"] or DEFAULTS["metrics-host"],
        metrics_port=port,
        subscribe=_subscribe(raw, settings),
    )


def _subscribe(raw: dict[str, str | None], settings: Settings) -> SubscribeOptions | None:
    from drift.subscribe import subscribe_options  # noqa: PLC0415

    if not raw["subscribe"]:
        return None
    if not settings.telemetry.pulse_url:
        raise SettingsError(
            "--subscribe reads the registry's events from Pulse: give --pulse-url "
            "redis://host:6379/0 (or --emit-telemetry with REDIS_URL)"
        )
    telemetry = settings.telemetry
    return subscribe_options(raw, namespace=telemetry.pulse_namespace, repo=telemetry.repo)


def run_pull(args: argparse.Namespace) -> int:
    from drift.pull import pull  # noqa: PLC0415

    settings = _settings(args, must_exist=False)
    result = pull(settings, cwd=Path.cwd())
    if not settings.quiet:
        lines = [f"pulled track {settings.track} from {settings.public_registry_url}"]
        lines += [f"  wrote {name}" for name in result.written]
        lines.append(f"  {len(result.written)} written, {result.unchanged} unchanged")
        lines += [
            f"  DEPRECATED {name}: the registry deprecates it{f' ({note})' if note else ''}"
            for name, note in sorted(result.deprecated.items())
        ]
        lines += [f"  FAILED {name}: {reason}" for name, reason in result.failed.items()]
        if result.registry_down:
            lines.append("  _metadata.json left as it was: nothing was fetched")
        sys.stderr.write("\n".join(lines) + "\n")
    return 2 if result.failed else 0


def run_diff(args: argparse.Namespace) -> int:
    from drift.difftool import run  # noqa: PLC0415

    return run(args.old, args.new, mode=args.mode, policy=args.policy, output=args.format)


def run_serve(args: argparse.Namespace) -> int:
    from drift.registry.server import RegistryHTTPServer  # noqa: PLC0415

    _keeps_running()
    root = Path(args.directory)
    if not (root / "index.json").is_file():
        raise SettingsError(
            f"DIR: {args.directory!r} is not a registry directory ({root / 'index.json'} "
            "does not exist); e.g. schema-drift registry serve examples/registry"
        )
    if not 0 <= args.port <= 65535:
        raise SettingsError(f"--port: {args.port} is out of range 0..65535; e.g. 8765")
    try:
        server = RegistryHTTPServer(
            root, args.host, args.port, delay=args.delay_ms / 1000, verbose=args.verbose
        )
    except OSError as exc:
        raise SettingsError(cannot_listen("--port", "--host", args.host, args.port, exc)) from None

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"serving {root} at {server.url}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line as a function: returns 0, 1 or 2, and raises nothing."""
    parser = build_parser()
    try:
        args, unknown = parser.parse_known_args(argv)
        if unknown:  # said by the command's own parser, so its usage is the one shown
            _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exc:  # argparse has printed the help, the version or the usage error
        return exit_status(exc.code)
    handlers = {
        "check": run_check,
        "pull": run_pull,
        "diff": run_diff,
        "watch": run_watch,
        "compare": run_compare,
        "migrate": run_compare,
        "registry": run_serve,
    }
    try:
        return handlers[args.command](args)
    except SettingsError as exc:
        return _settings_failed(exc)
    except SystemExit as exc:
        return ended(exc)
    except (Exception, KeyboardInterrupt) as exc:
        tell(exc, debug=args.debug)
        return 2


def _command_parser(
    parser: argparse.ArgumentParser, args: argparse.Namespace
) -> argparse.ArgumentParser:
    """The subcommand's parser (`registry serve`'s for that one), else the top level's."""
    current = parser
    for dest in ("command", "registry_command"):
        choices = next(
            (a.choices for a in current._actions if isinstance(a, argparse._SubParsersAction)),
            None,
        )
        chosen = getattr(args, dest, None)
        if not choices or chosen not in choices:
            break
        current = choices[chosen]
    return current


def run(entry: Callable[[], int] = main) -> NoReturn:
    """A process's whole life (see drift.failure.run_process): by default, the CLI's."""
    run_process(entry)
