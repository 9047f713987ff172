from __future__ import annotations

from pathlib import Path

import pytest

from drift.errors import SettingsError
from drift.settings import FailOn, RegistryKind, VerifyIndex, load_settings, redact_url


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    (tmp_path / "tests" / "fixtures" / "schemas").mkdir(parents=True)
    return tmp_path


def test_defaults_match_the_seed_script(schemas: Path) -> None:
    settings = load_settings({"registry-url": "https://registry.example"}, env={}, cwd=schemas)
    assert settings.track == "v1"
    assert settings.schema_dir == schemas / "tests" / "fixtures" / "schemas"
    assert settings.output == schemas / "drift_report.json"
    assert settings.registry_kind is RegistryKind.HTTP
    assert settings.fail_on is FailOn.DRIFT
    assert (settings.concurrency, settings.retries, settings.timeout) == (16, 3, 10.0)
    assert (settings.retry_budget, settings.verify_index) == (30.0, VerifyIndex.PROBE)
    assert settings.token is None


def test_settings_are_frozen(schemas: Path) -> None:
    settings = load_settings({"registry-url": "https://r.example"}, env={}, cwd=schemas)
    with pytest.raises(AttributeError):
        settings.track = "v2"  # type: ignore[misc]


def test_every_bad_input_is_named_with_an_accepted_value(schemas: Path) -> None:
    raw = {
        "registry-url": "ftp://registry.example",
        "track": "v3",
        "concurrency": "lots",
        "timeout": "-1",
        "retries": "99",
        "fail-on": "sometimes",
        "include-new": "maybe",
        "token-env": "NOT A NAME",
        "schema-dir": "nope",
        "retry-budget": "3601",
        "verify-index": "some",
    }
    with pytest.raises(SettingsError) as caught:
        load_settings(raw, env={}, cwd=schemas)
    lines = str(caught.value).splitlines()
    expected = {
        "--registry-url": "http(s)://HOST",
        "--track": "v1, v2",
        "--concurrency": "e.g. 16",
        "--timeout": "e.g. 10",
        "--retries": "e.g. 3",
        "--fail-on": "drift, breaking, never",
        "--include-new": "true or false",
        "--token-env": "e.g. REGISTRY_TOKEN",
        "--schema-dir": "point it at",
        "--retry-budget": "out of range 0..3600 seconds; e.g. 30",
        "--verify-index": "use one of probe, all",
    }
    for flag, hint in expected.items():
        matching = [line for line in lines if line.startswith(flag + ":")]
        assert matching, f"no message for {flag} in {lines}"
        assert hint in matching[0]


@pytest.mark.parametrize(
    ("name", "accepted"),
    [
        ("REGISTRY_TOKEN", True),
        ("_token2", True),
        ("2TOKEN", False),
        ("TÖKEN", False),  # an identifier, but not a portable variable name
    ],
)
def test_token_env_takes_a_portable_variable_name(schemas: Path, name: str, accepted: bool) -> None:
    raw = {"registry-url": "https://r.example", "token-env": name}
    if accepted:
        assert load_settings(raw, env={}, cwd=schemas).token_env == name
    else:
        with pytest.raises(SettingsError, match=r"--token-env: .* e.g. REGISTRY_TOKEN"):
            load_settings(raw, env={}, cwd=schemas)


def test_labels_follow_the_caller(schemas: Path) -> None:
    with pytest.raises(SettingsError, match=r"^input .track.: "):
        load_settings(
            {"registry-url": "https://r.example", "track": "v9"},
            env={},
            cwd=schemas,
            label=lambda name: f"input {name!r}",
        )


def test_missing_registry_url_is_explained(schemas: Path) -> None:
    with pytest.raises(SettingsError, match=r"--registry-url: is required; e\.g\. https://"):
        load_settings({}, env={}, cwd=schemas)


def test_directory_registry_by_path_and_file_url(schemas: Path) -> None:
    registry = schemas / "mirror"
    registry.mkdir()
    (registry / "index.json").write_text('{"tracks": {}}')
    by_path = load_settings({"registry-url": "mirror"}, env={}, cwd=schemas)
    by_url = load_settings({"registry-url": registry.as_uri()}, env={}, cwd=schemas)
    assert by_path.registry_kind is by_url.registry_kind is RegistryKind.DIRECTORY
    assert by_path.registry_path == by_url.registry_path == registry


def test_token_comes_from_the_named_env_var_and_stays_out_of_repr(schemas: Path) -> None:
    settings = load_settings(
        {"registry-url": "https://r.example", "token-env": "MY_TOKEN"},
        env={"MY_TOKEN": "s3cret-value"},
        cwd=schemas,
    )
    assert settings.token == "s3cret-value"
    assert "s3cret-value" not in repr(settings)


def test_credentials_in_the_url_never_reach_reports() -> None:
    assert redact_url("https://user:pw@registry.example:8443/api") == (
        "https://registry.example:8443/api"
    )
    assert redact_url("https://registry.example/api") == "https://registry.example/api"


@pytest.mark.parametrize("value", ["abc", "nan", "inf", "-1", "3600.5"])
def test_a_retry_budget_must_be_seconds_in_range(schemas: Path, value: str) -> None:
    with pytest.raises(SettingsError, match=r"^--retry-budget: .*e\.g\. 30$"):
        load_settings({"registry-url": "https://r.example", "retry-budget": value}, cwd=schemas)


def test_retry_budget_zero_and_verify_index_all_are_accepted(schemas: Path) -> None:
    raw = {"registry-url": "https://r.example", "retry-budget": "0", "verify-index": "ALL"}
    settings = load_settings(raw, env={}, cwd=schemas)
    assert (settings.retry_budget, settings.verify_index) == (0.0, VerifyIndex.ALL)
