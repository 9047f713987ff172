"""Regenerate the bundled example: `python examples/make_example.py` (from the repo root)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

from drift.registry.build import Published, write_registry_dir

HERE = Path(__file__).parent


def model(schema_id: str, version: str, properties: dict[str, Any], required: list[str]) -> Any:
    return {
        "$core_version": version,
        "$schema_id": schema_id,
        "$track": "v1",
        "title": schema_id.rsplit(".", maxsplit=1)[-1],
        "type": "object",
        "properties": properties,
        "required": required,
    }


BAR = model(
    "md.Bar",
    "1.2.0",
    {
        "symbol": {"type": "string", "description": "Ticker symbol"},
        "open": {"type": "number"},
        "high": {"type": "number"},
        "low": {"type": "number"},
        "close": {"type": "number"},
        "volume": {"type": "integer", "minimum": 0},
        "ts": {"type": "number", "description": "Unix epoch seconds"},
    },
    ["symbol", "open", "high", "low", "close", "ts"],
)
QUOTE = model(
    "md.Quote",
    "1.2.0",
    {
        "symbol": {"type": "string"},
        "bid": {"type": "number"},
        "ask": {"type": "number"},
        "ts": {"type": "number"},
    },
    ["symbol", "bid", "ask", "ts"],
)
TRADE_OLD = model(
    "md.Trade",
    "1.1.0",
    {
        "symbol": {"type": "string"},
        "price": {"type": "number"},
        "size": {"type": "integer", "minimum": 0},
        "side": {"type": "string", "enum": ["buy", "sell"]},
        "ts": {"type": "number"},
    },
    ["symbol", "price", "size", "ts"],
)
# The registry moved on: `venue` is new and required, `side` gained a value.
TRADE_NEW = copy.deepcopy(TRADE_OLD)
TRADE_NEW["$core_version"] = "1.2.0"
TRADE_NEW["properties"]["venue"] = {"type": "string"}
TRADE_NEW["properties"]["side"]["enum"] = ["buy", "sell", "unknown"]
TRADE_NEW["required"] = ["symbol", "price", "size", "ts", "venue"]
HEARTBEAT = model("md.Heartbeat", "1.2.0", {"ts": {"type": "number"}}, ["ts"])
ORDER = model("orders.OrderPlaced", "0.3.0", {"order_id": {"type": "string"}}, ["order_id"])


def main() -> None:
    registry, local = HERE / "registry", HERE / "schemas"
    for folder in (registry, local):
        shutil.rmtree(folder, ignore_errors=True)
    write_registry_dir(
        registry,
        {
            "v1": [
                Published("md.Bar.schema", BAR, "1.2.0"),
                Published("md.Quote.schema", QUOTE, "1.2.0"),
                Published("md.Trade.schema", TRADE_NEW, "1.2.0"),
                Published(
                    "md.Heartbeat.schema",
                    HEARTBEAT,
                    "1.2.0",
                    deprecated=True,
                    deprecation_note="use telemetry.HealthStatus",
                ),
            ],
            "v2": [Published("md.Bar.schema", BAR, "2.0.0-rc1")],
        },
        generated_at="2026-11-01T00:00:00+00:00",
    )
    local.mkdir()
    for name, content in [
        ("md.Bar", BAR),
        ("md.Quote", QUOTE),
        ("md.Trade", TRADE_OLD),
        ("orders.OrderPlaced", ORDER),
    ]:
        text = json.dumps(content, indent=2, sort_keys=True) + "\n"
        (local / f"{name}.json").write_text(text, encoding="utf-8")
    metadata = {
        "registry_url": "https://schema-registry-service.fly.dev",
        "track": "v1",
        "fetched_at": "2026-10-01T00:00:00+00:00",
        "schemas_fetched": 3,
        "schemas_failed": 0,
        "failed_schemas": [],
    }
    (local / "_metadata.json").write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
