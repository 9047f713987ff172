"""One frozen, validated Settings object, whatever the inputs came from.

Raw values arrive as strings keyed by their kebab-case input names (the CLI's
flags without `--`, the action's inputs). Every value is checked here; code
past this module trusts Settings.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from drift.config import CONFIG_NAME, DriftConfig, find_repo_root, load_config
from drift.errors import SettingsError
from drift.records import Row
from drift.sources.spec import Side, SideKind
from drift.telemetry import TelemetryTargets, default_repo
from drift.vocabulary import Mode, Policy

TRACKS = ("v1", "v2")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}

T = TypeVar("T")


class FailOn(enum.StrEnum):
    """Which findings make `check` exit 1."""

    DRIFT = "drift"  # any drift or missing_in_registry
    BREAKING = "breaking"  # a breaking change not ignored or accepted, or missing_in_registry
    NEVER = "never"


class VerifyIndex(enum.StrEnum):
    """How far the registry index's hashes are trusted (DESIGN: "check what a response claims")."""

    PROBE = "probe"  # one schema's content checks the index's hashing; the rest are trusted
    ALL = "all"  # every schema with a local snapshot is fetched and judged by its content


class RegistryKind(enum.StrEnum):
    HTTP = "http"
    DIRECTORY = "directory"


DEFAULTS: dict[str, str] = {
    "track": "v1",
    "schema-dir": "tests/fixtures/schemas",
    "output": "drift_report.json",
    "token-env": "REGISTRY_TOKEN",
    "concurrency": "16",
    "timeout": "10",
    "retries": "3",
    "retry-budget": "30",
    "verify-index": "probe",
    "fail-on": "drift",
    "include-new": "false",
    "quiet": "false",
    "only-drifted": "false",
    "pulse-namespace": "mdp",
    "strict-telemetry": "false",
    "emit-telemetry": "false",
    "interval": "300",
    "metrics-port": "9108",
    "metrics-host": "127.0.0.1",
    "mode": "full",
    "policy": "lenient",
    "format": "text",
}


def _without_token(settings: Settings | CompareSettings) -> str:
    """repr with the token left out: settings show up in --debug tracebacks and logs."""
    shown = ", ".join(
        f"{name}={value!r}"
        for name, value in zip(settings._fields, settings, strict=True)
        if name != "token"
    )
    return f"{type(settings).__name__}({shown})"


class Settings(Row):
    track: str
    registry_url: str
    registry_kind: RegistryKind
    registry_path: Path | None
    schema_dir: Path
    output: Path
    token_env: str
    token: str | None  # never in repr
    concurrency: int
    timeout: float
    retries: int
    fail_on: FailOn
    include_new: bool
    quiet: bool
    only_drifted: bool
    mode: Mode = Mode.FULL
    policy: Policy = Policy.LENIENT
    config: DriftConfig = DriftConfig()
    telemetry: TelemetryTargets = TelemetryTargets(repo="")
    strict_telemetry: bool = False
    retry_budget: float = 30.0
    verify_index: VerifyIndex = VerifyIndex.PROBE

    def __repr__(self) -> str:
        return _without_token(self)

    @property
    def public_registry_url(self) -> str:
        """The registry URL without credentials, safe for reports and logs."""
        return redact_url(self.registry_url)


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


class _Collector:
    """Gathers every bad input so the user fixes them in one go."""

    def __init__(self, raw: Mapping[str, str | None], label: Callable[[str], str]) -> None:
        self.raw = raw
        self.label = label
        self.problems: list[str] = []

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if value is None or value.strip() == "":
            return DEFAULTS.get(name, "")
        return value.strip()

    def parse(self, name: str, parser: Callable[[str], T], fallback: T) -> T:
        try:
            return parser(self.text(name))
        except ValueError as exc:
            self.problems.append(f"{self.label(name)}: {exc}")
            return fallback


def _track(value: str) -> str:
    if value not in TRACKS:
        raise ValueError(f"{value!r} is not a registry track; use one of {', '.join(TRACKS)}")
    return value


def _int_in(low: int, high: int, example: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number; e.g. {example}") from None
        if not low <= number <= high:
            raise ValueError(f"{number} is out of range {low}..{high}; e.g. {example}")
        return number

    return parse


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number of seconds; e.g. 10") from None
    if not 0 < number <= 600:
        raise ValueError(f"{value} is out of range (0, 600] seconds; e.g. 10")
    return number


MAX_RETRY_BUDGET = 3600


def _retry_budget(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number of seconds; e.g. 30") from None
    if not 0 <= number <= MAX_RETRY_BUDGET:
        raise ValueError(f"{value} is out of range 0..{MAX_RETRY_BUDGET} seconds; e.g. 30")
    return number


def parse_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean; use true or false")


def choice(kind: type[enum.StrEnum]) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        try:
            return kind(value.lower())
        except ValueError:
            accepted = ", ".join(item.value for item in kind)
            raise ValueError(f"{value!r} is not accepted; use one of {accepted}") from None

    return parse


def _config(value: str, cwd: Path) -> DriftConfig:
    if value:
        path = cwd / value
        if not path.exists():  # a FIFO or a directory is there: load_config says what it is
            raise ValueError(f"{value!r} does not exist (looked in {path}); e.g. .schema-drift.yml")
    else:
        path = find_repo_root(cwd) / CONFIG_NAME
        if not path.exists():
            return DriftConfig()
    try:
        return load_config(path)
    except SettingsError as exc:
        raise ValueError(str(exc)) from None


def _env_name(value: str) -> str:
    if not (value.isascii() and value.isidentifier()):  # [A-Za-z_][A-Za-z0-9_]*
        raise ValueError(f"{value!r} is not an environment variable name; e.g. REGISTRY_TOKEN")
    return value


def registry_location(value: str, cwd: Path) -> tuple[str, RegistryKind, Path | None]:
    """(URL, kind, directory) of a registry given as http(s)://…, file://… or a directory."""
    if not value:
        raise ValueError(
            "is required; e.g. https://schema-registry-service.fly.dev, "
            "or a registry directory such as examples/registry"
        )
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise ValueError(f"{value!r} has no host; e.g. https://schema-registry-service.fly.dev")
        return value.rstrip("/"), RegistryKind.HTTP, None
    if scheme == "file":
        from urllib.request import url2pathname  # noqa: PLC0415 (slow import, rarely needed)

        path = Path(url2pathname(parts.path))
    elif scheme and len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise ValueError(
            f"scheme {scheme!r} is not supported; "
            "use http(s)://HOST, file://DIR or a directory path"
        )
    else:
        path = Path(value)
    path = path if path.is_absolute() else cwd / path
    index = path / "index.json"
    if not index.is_file():
        problem = "is not a regular file" if os.path.lexists(index) else "does not exist"
        raise ValueError(
            f"{value!r} is not a registry directory: {index} {problem} "
            "(a registry directory holds index.json and schemas/{track}/{name}.json)"
        )
    return value, RegistryKind.DIRECTORY, path


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL; e.g. http://pushgateway:9091")
    return value.rstrip("/")


def _redis_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ValueError(
            f"{redact_url(value)!r} is not a redis:// URL; e.g. redis://localhost:6379/0"
        )
    return value


def _telemetry(inputs: _Collector, env: Mapping[str, str], cwd: Path) -> TelemetryTargets:
    """Where telemetry goes; --emit-telemetry is the seed's switch (PULSE_ENABLED, REDIS_URL,
    MD_NAMESPACE), used when no --pulse-url is given."""
    pulse = inputs.parse("pulse-url", _redis_url, None) if inputs.text("pulse-url") else None
    namespace = inputs.text("pulse-namespace")
    seed = inputs.parse("emit-telemetry", parse_bool, False)
    if seed and pulse is None and env.get("PULSE_ENABLED", "true").strip().lower() in _TRUE:
        pulse = env.get("REDIS_URL") or "redis://localhost:6379/0"
        if not inputs.raw.get("pulse-namespace"):
            namespace = env.get("MD_NAMESPACE") or namespace
    pushgateway = (
        inputs.parse("pushgateway", _http_url, None) if inputs.text("pushgateway") else None
    )
    return TelemetryTargets(
        repo=inputs.text("repo") or default_repo(env, cwd),
        pushgateway_url=pushgateway,
        pulse_url=pulse,
        pulse_namespace=namespace or "mdp",
    )


def _schema_dir_hint(cwd: Path, failed: Path, limit: int = 3, budget: int = 400) -> str:
    """Directories under cwd that hold *.json files, never the path that just failed.

    A breadth-first look of at most `budget` directories, hidden ones skipped, so a
    huge working directory costs a few milliseconds at most.
    """
    found: list[str] = []
    queue, seen = [cwd], 0
    while queue and seen < budget and len(found) < limit:
        folder = queue.pop(0)
        seen += 1
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            continue
        if folder != failed and any(e.name.endswith(".json") and e.is_file() for e in entries):
            found.append(folder.relative_to(cwd).as_posix())  # "." for cwd itself
        queue += [
            Path(e.path)
            for e in entries
            if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)
        ]
    if not found:
        return "point it at the directory of your *.json / *.yaml snapshots"
    return "point it at your snapshots, e.g. " + " or ".join(found)


def cli_label(name: str) -> str:
    return f"--{name}"


def load_settings(
    raw: Mapping[str, str | None],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    label: Callable[[str], str] = cli_label,
    schema_dir_must_exist: bool = True,
) -> Settings:
    """Validate raw inputs into Settings, or raise SettingsError listing every problem."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    inputs = _Collector(raw, label)

    no_registry: tuple[str, RegistryKind, Path | None] = ("", RegistryKind.HTTP, None)
    url, kind, registry_path = inputs.parse(
        "registry-url", lambda v: registry_location(v, cwd), no_registry
    )
    schema_dir = cwd / inputs.text("schema-dir")
    if schema_dir_must_exist and not schema_dir.is_dir():
        inputs.problems.append(
            f"{label('schema-dir')}: {inputs.text('schema-dir')!r} is not a directory "
            f"(looked in {schema_dir}); {_schema_dir_hint(cwd, schema_dir)}"
        )
    token_env = inputs.parse("token-env", _env_name, "REGISTRY_TOKEN")
    settings = Settings(
        track=inputs.parse("track", _track, "v1"),
        registry_url=url,
        registry_kind=kind,
        registry_path=registry_path,
        schema_dir=schema_dir,
        output=cwd / inputs.text("output"),
        token_env=token_env,
        token=env.get(token_env) or None,
        concurrency=inputs.parse("concurrency", _int_in(1, 256, 16), 16),
        timeout=inputs.parse("timeout", _seconds, 10.0),
        retries=inputs.parse("retries", _int_in(0, 10, 3), 3),
        fail_on=inputs.parse("fail-on", choice(FailOn), FailOn.DRIFT),
        include_new=inputs.parse("include-new", parse_bool, False),
        quiet=inputs.parse("quiet", parse_bool, False),
        only_drifted=inputs.parse("only-drifted", parse_bool, False),
        mode=inputs.parse("mode", choice(Mode), Mode.FULL),
        policy=inputs.parse("policy", choice(Policy), Policy.LENIENT),
        config=inputs.parse("config", lambda v: _config(v, cwd), DriftConfig()),
        telemetry=_telemetry(inputs, env, cwd),
        strict_telemetry=inputs.parse("strict-telemetry", parse_bool, False),
        retry_budget=inputs.parse("retry-budget", _retry_budget, 30.0),
        verify_index=inputs.parse("verify-index", choice(VerifyIndex), VerifyIndex.PROBE),
    )
    if inputs.problems:
        raise SettingsError("\n".join(inputs.problems))
    return settings


# -- compare and migrate: any two sources ---------------------------------------------------

COMPARE_DEFAULTS: dict[str, dict[str, str]] = {
    "compare": {"output": "compare_report.json", "fail-on": "drift"},
    "migrate": {"output": "migration_report.json", "fail-on": "breaking"},
}
FORMATS = ("text", "json", "markdown")


class CompareSettings(Row):
    """`compare OLD NEW` and `migrate --from --to`: two sides and how to judge them."""

    command: str  # compare | migrate
    old: Side
    new: Side
    output: Path
    format: str
    fail_on: FailOn
    mode: Mode
    policy: Policy
    config: DriftConfig
    token_env: str
    token: str | None  # never in repr
    concurrency: int
    timeout: float
    retries: int
    retry_budget: float
    verify_index: VerifyIndex
    quiet: bool

    def __repr__(self) -> str:
        return _without_token(self)

    @property
    def track(self) -> str:
        """The registry track the report names (NEW's, else OLD's; '' when none)."""
        sides = (self.new, self.old)
        return next((side.track for side in sides if side.track), "")

    @property
    def public_registry_url(self) -> str:
        sides = (self.new, self.old)
        return next((redact_url(side.url) for side in sides if side.url), "")


def _format(value: str) -> str:
    if value not in FORMATS:
        raise ValueError(f"{value!r} is not accepted; use one of {', '.join(FORMATS)}")
    return value


def _side(inputs: _Collector, name: str, cwd: Path) -> Side | None:
    from drift.sources.spec import parse_side  # noqa: PLC0415

    text = inputs.raw.get(name) or ""
    try:
        return parse_side(text, cwd)
    except ValueError as exc:
        inputs.problems.append(f"{name.upper()}: {exc}")  # the positional OLD or NEW
        return None


def _migration_sides(inputs: _Collector, cwd: Path) -> tuple[Side | None, Side | None]:
    location = inputs.parse("registry-url", lambda v: registry_location(v, cwd), None)
    tracks: list[str | None] = []
    for name in ("from", "to"):
        if inputs.raw.get(name):
            tracks.append(inputs.parse(name, _track, None))
        else:
            tracks.append(None)
            inputs.problems.append(f"{inputs.label(name)}: is required; e.g. --from v1 --to v2")
    if tracks[0] and tracks[0] == tracks[1]:
        inputs.problems.append(
            f"{inputs.label('to')}: {tracks[1]!r} is --from's track too; e.g. --from v1 --to v2"
        )
    if location is None or not all(tracks):
        return None, None
    url, kind, path = location
    sides = [
        Side(SideKind.REGISTRY, f"{redact_url(url)}#{track}", path, None, None, url, kind, track)
        for track in tracks
    ]
    return sides[0], sides[1]


def load_compare_settings(
    raw: Mapping[str, str | None],
    *,
    command: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    label: Callable[[str], str] = cli_label,
) -> CompareSettings:
    """Validate `compare`'s or `migrate`'s inputs, or raise SettingsError listing every problem."""
    env = os.environ if env is None else env
    cwd = Path.cwd() if cwd is None else cwd
    defaults = COMPARE_DEFAULTS[command]
    inputs = _Collector({**raw, **{k: raw.get(k) or v for k, v in defaults.items()}}, label)
    if command == "migrate":
        old, new = _migration_sides(inputs, cwd)
    else:
        old, new = _side(inputs, "old", cwd), _side(inputs, "new", cwd)
    token_env = inputs.parse("token-env", _env_name, "REGISTRY_TOKEN")

    def build(old: Side, new: Side) -> CompareSettings:
        return CompareSettings(
            command=command,
            old=old,
            new=new,
            output=cwd / inputs.text("output"),
            format=inputs.parse("format", _format, "text"),
            fail_on=inputs.parse("fail-on", choice(FailOn), FailOn.DRIFT),
            mode=inputs.parse("mode", choice(Mode), Mode.FULL),
            policy=inputs.parse("policy", choice(Policy), Policy.LENIENT),
            config=inputs.parse("config", lambda v: _config(v, cwd), DriftConfig()),
            token_env=token_env,
            token=env.get(token_env) or None,
            concurrency=inputs.parse("concurrency", _int_in(1, 256, 16), 16),
            timeout=inputs.parse("timeout", _seconds, 10.0),
            retries=inputs.parse("retries", _int_in(0, 10, 3), 3),
            retry_budget=inputs.parse("retry-budget", _retry_budget, 30.0),
            verify_index=inputs.parse("verify-index", choice(VerifyIndex), VerifyIndex.PROBE),
            quiet=inputs.parse("quiet", parse_bool, False),
        )

    # Built from placeholders when a side is bad, so every other problem is found too.
    settings = build(old or _NO_SIDE, new or _NO_SIDE)
    if inputs.problems:
        raise SettingsError("\n".join(inputs.problems))
    return settings


_NO_SIDE = Side(SideKind.DIR, "-")
