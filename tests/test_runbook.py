"""Every shipped alert links its own section of docs/runbook.md."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.conftest import ROOT

RULES = ROOT / "deploy" / "prometheus" / "schema-drift.rules.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"
SECTION_PARTS = ("**What it means.**", "**How to look.**", "**How to resolve.**")


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation dropped, - for spaces."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def sections() -> dict[str, str]:
    """The runbook's level-2 sections by anchor."""
    text = RUNBOOK.read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {anchor(title): body for title, body in zip(parts[1::2], parts[2::2], strict=True)}


def test_every_alert_has_a_runbook_url_to_its_own_section() -> None:
    found = sections()
    rules = alerts()
    assert len(rules) == 7
    for rule in rules:
        url = rule["annotations"].get("runbook_url")
        assert url, f"{rule['alert']} has no runbook_url"
        parts = urlsplit(url)
        assert parts.scheme == "https"
        assert parts.path.endswith("/docs/runbook.md"), url
        assert parts.fragment == rule["alert"].lower(), url  # its own anchor
        assert parts.fragment in found, f"docs/runbook.md has no section #{parts.fragment}"


def test_every_alert_section_says_what_how_to_look_and_how_to_resolve() -> None:
    found = sections()
    for rule in alerts():
        body = found[rule["alert"].lower()]
        for part in SECTION_PARTS:
            assert part in body, f"{rule['alert']}: no {part}"


def test_the_runbook_names_only_alerts_that_exist() -> None:
    names = {rule["alert"].lower() for rule in alerts()}
    alert_sections = {key for key in sections() if key.startswith("schemadrift")}
    assert alert_sections == names
