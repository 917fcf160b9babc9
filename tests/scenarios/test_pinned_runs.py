"""Small runs pinned bit for bit: the log, the summary, the metrics and every stored row.

The digests were computed on main before the scenario engine was vectorised (issue #19); a
change that alters any of them changes a result and must be a documented fix. The log digests
were taken again once, when the scenario written in each log's header gained the field
``selector.forget`` (``null``); the summaries, metrics and stored rows did not move. To print the
current digests: ``python -m tests.scenarios.test_pinned_runs``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from scenarios.run import run_scenario
from scenarios.spec import ScenarioSpec, load_scenario

# (scenario, seed, policy, steps, overrides): each built-in family and the paths they take
# (evidence and verdict channels, shills, arena calls, late ratings, a judge, herding, A/B
# automation, a budget, the hive's controls).
RUNS: dict[str, tuple[str, int, str, int, dict[str, Any]]] = {
    "model-release-1": ("model-release", 1, "hive", 70, {}),
    "model-release-7": ("model-release", 7, "hive", 70, {}),
    "model-release-ab": ("model-release", 3, "hive", 70, {"ab_automation": True}),
    "outage-selector": ("outage", 2, "selector", 70, {}),
    "shills": ("shills", 5, "hive", 30, {}),
    "sparse-ratings": ("sparse-ratings", 11, "hive", 30, {}),
    "biased-judge": ("biased-judge", 4, "hive", 30, {}),
    "herding": ("herding", 6, "hive", 30, {}),
    "steady-verdict": ("steady-state", 8, "hive", 30, {"agents.channel": "verdict"}),
    "price-shock-budget": (
        "price-shock",
        9,
        "hive",
        70,
        {"selector.budget_per_request": 0.01},
    ),
    "quality-drift-raters": ("quality-drift", 10, "raters", 70, {}),
    "shills-shuffled": ("shills", 12, "shuffled-hive", 30, {}),
    "shills-crowd": ("shills", 13, "hive", 40, {"agents.count": 80}),
    "model-release-crowd": ("model-release", 14, "hive", 60, {"agents.count": 150}),
}

PINNED: dict[str, dict[str, str]] = {
    "biased-judge": {
        "log": "a376901336aa0073ee117d5a10d6ecb7fe65364900a539faddb212d20b2c1d42",
        "summary": "a2b3a951f85ee65a598db182d88df03b417a45cd68bc090af0bf4adf952469c1",
        "metrics": "bd9d95dcc3f37f33fc5c4d4f2535d9ebeeb7fa58c727b685075e78763c92e6a4",
        "store": "7f18e259517421be69fb57506ec590dce9bbd0d8a407190426b69b8b0530efd8",
    },
    "herding": {
        "log": "9f0467978f5f59b0ba0cc515ee5120f2b65f0056c2f38f4b41ffb342ab462e7d",
        "summary": "3dbddc7936a077c2d6cd0b3735adfca52317da14448b84ff455b302393e3482b",
        "metrics": "1153d983abfe127ccc06fcce8f4113b8e491d362e85d52168f5aa2b010acc382",
        "store": "377e576aa09ef231a13ab574415cf2ab94ffe9198915ff999b5ecb9441fd01f6",
    },
    "model-release-1": {
        "log": "87e4f55ff308c64d8a8cbafba36119feaac5821268dccd810140009eaa820fba",
        "summary": "328ee65a012618fca01240cff72270680f5359a6df95993a9687bae13673abe9",
        "metrics": "85d57a6ae4c67730f31c86e8009d9d302337b7a37b28c4deba13fb3e434262c0",
        "store": "cf83799c9d8de87d07ae03f1f5d9e1c6618f870af305b9b54d7e9f246fef05c6",
    },
    "model-release-7": {
        "log": "db3c6402beec33da1e4e8993d8438354feb569ec92a68bb90d7a696a9b9e8a18",
        "summary": "64c0e3e2f6cb1a46862b8499509690fcd091129a36dad6c3c37411b410d44c13",
        "metrics": "fc28f3f8f0a47473554c107a6bc1a443bbb10b68b731c925f4f2461b479e2198",
        "store": "dba307512af72ff122e175878f6587a2d11121cb8ed0aea439ff4d8f00661b7c",
    },
    "model-release-ab": {
        "log": "591d08815a2f23a5de371e276b30778493cb6812ceeae03ef7d4d6a5e97f1561",
        "summary": "081ab4b921302d0381094c86fce50aaeaeec127be92a7d751cb3dc78f67f2fd6",
        "metrics": "99a247bd97b151ac509027235457f04fc1d633b834513706622178f31c164515",
        "store": "c84359cd8a8955f777a04729a54b8f619c87c18b2fb41447a07be5d8cfad8591",
    },
    "model-release-crowd": {
        "log": "c2c7ed92ce301040042b75491caf5c323eabaad92b755f79f7cecb92ca2c6f41",
        "summary": "9f1c5ec844fc67155bd378f419fdb14ee56430f73f1b3807e0e9c1abc10fac16",
        "metrics": "6666896bbb6fc919fda3818a5d77aa18b8023f51a97152dd92860e41c1a786af",
        "store": "fbe5bbf6e4c92719563b6f686e028c3367c59d9966452f98f171ff646bceca18",
    },
    "outage-selector": {
        "log": "0291d754fd0d3433125701f80c170ef25bf793c3c6b32ce66ae753f59cc8dfbd",
        "summary": "c4266d49c7eb01f326a630c4985d9a9347734fdacfd9915aee76d9330c516755",
        "metrics": "68bafeae0805aea78df34407f969d3de3210845582582789190a2e02db6b3c7a",
        "store": "bb9d96f93a5054f05c3e5549a520a3d9fcf4212a1a9585d2090ecbfa007944f1",
    },
    "price-shock-budget": {
        "log": "ffb1090288431ff4f65997665093a92b796e8b9ed7bd0b87bb69287c78d1c58f",
        "summary": "7468e47ae57e5805281a82d13e61f74efba91a6c8707788291bed615c05dfed7",
        "metrics": "0d2f80cf083666ede9fb660a58b856e57cea9cd4a5d9d5f106d78e17f8a63b1a",
        "store": "ffc9d22b82d8653145b666f5530e20eb34351743f6df6735dd585b871b5017d6",
    },
    "quality-drift-raters": {
        "log": "6bb4dc21995779be451ad9b5f1234f3926a8472cf37d91a2c242c39dcc3278d0",
        "summary": "93f951929be20905e959e3b70cd4407f4eed4fbf8cb165b067f4a6e9bb8ad76c",
        "metrics": "abe1fc3c254893605121c2897b7189290ca8aabb0491a629ee14cb95ba443ec0",
        "store": "fb887e1bfa37ec4d287bc0d28f68d25247a87aa5d4783c423e522dc6bb585adb",
    },
    "shills": {
        "log": "bdf09fc2a556a7a5a388bf55a1792fa85789ce6f8fdc34b0d2b088d61b1b8380",
        "summary": "68021699392831e07c5e722b0d81a3b9290e021217aa44ca0d027ab8c007a337",
        "metrics": "9b977aaeabcc5c0d88270d87ae59ecd2a3e7673a0ca853f4f159574fc0ef71c6",
        "store": "7064d926c8b78af1eeaada9e2559b02a6b714210594780c6e7cc29fa758b046c",
    },
    "shills-crowd": {
        "log": "45348b9d8899c0034d46f5683e784b003a6b578c1a3051bc6d14ccde56802914",
        "summary": "cbe039fdb8f8c00ebcc21887d02f57ab402ebd8a507fddd4fe92cd1a4c489c90",
        "metrics": "7ea91272d5a01118d45d1d2f6874799c5e05939f1e2c0726330737dca671b114",
        "store": "192bbf9aba449df1dfe5dfb8d4d2fada10f565c27cc4d2ca3ebfee4d5c4d0aba",
    },
    "shills-shuffled": {
        "log": "11c79fb42141baa7bf557c9e60238e668b7ac0e1d9e1e968a266acfbfaa02c87",
        "summary": "ac4f100847d0024363de70dd8c3bfb38a0fed64c70071785891dd5185ddba4b3",
        "metrics": "c545dca7822fc71319c73bd247fe0df6ca472ad8e0d815fd76fbf964eff19fcb",
        "store": "c253f6ba4dad48d4821b6f4e410b9832417c70bedee6e44c07a9ff7216cf4a6e",
    },
    "sparse-ratings": {
        "log": "a3b8ece4ea1d5744e2b5ba1e8ce50a1844437b76de55379c2263168c5db736d4",
        "summary": "2904d634809ecb160917c8ed65327e51339a56647902b65879e04d57fc055242",
        "metrics": "1036dd8d89f4b46684629c0f76cee06cf544b63f5462aa77ab92d9cc354428fc",
        "store": "bfe5749d70085cb395dd3e875f33fdbff08ee8ae2078b2e79e033f23e6c4d882",
    },
    "steady-verdict": {
        "log": "896370c8e4783ba630db1fadf52a304153d6e0c486506cd2c4d32a5e48af34d3",
        "summary": "95e4ccaf446c3ef9d7d1f2c023607018f2db173fe95dd754137b5da3221d774b",
        "metrics": "beede42e408583aed7a13c36033539447477e310c6ef89105ead8238950596e5",
        "store": "21c2fe2ec26822729401247d32495dbf1cdb6ce24404572613e10dc35850e47c",
    },
}


def _spec(name: str, seed: int, steps: int, overrides: dict[str, Any]) -> ScenarioSpec:
    return load_scenario(name).with_overrides(
        seed=seed, steps=steps, **{"agents.count": 12, **overrides}
    )


def _digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=repr, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(path: Path) -> str:
    """Every row of every table, in a fixed order, floats by their exact repr (ids aside)."""
    digest = hashlib.sha256()
    with sqlite3.connect(path) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        for table in tables:
            columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
            if table == "model_recommendations":
                columns.remove("id")  # a fresh uuid4 per recommendation, by design
            digest.update(f"{table}({', '.join(columns)})".encode())
            rows = conn.execute(f"SELECT {', '.join(columns)} FROM {table}")
            for row in sorted(repr(r) for r in rows):
                digest.update(row.encode())
    return digest.hexdigest()


def digests(key: str, folder: Path) -> dict[str, str]:
    """The digests of one pinned run, recorded into a SQLite file in ``folder``."""
    name, seed, policy, steps, overrides = RUNS[key]
    path = folder / f"{key}.db"
    result = run_scenario(_spec(name, seed, steps, overrides), policy=policy,
                          db_url=f"sqlite:///{path}")  # fmt: skip
    return {
        "log": result.log_digest,
        "summary": _digest(result.summary),
        "metrics": _digest(result.metrics),
        "store": _stored(path),
    }


@pytest.mark.parametrize("key", sorted(RUNS))
def test_pinned_run_is_bit_identical(key: str, tmp_path: Path) -> None:
    assert digests(key, tmp_path) == PINNED[key]


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        found = {key: digests(key, Path(tmp)) for key in sorted(RUNS)}
    print(json.dumps(found, indent=4))
