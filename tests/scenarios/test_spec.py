"""Scenario files: the built-ins load, and mistakes name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.spec import builtin_names, load_scenario
from selection.errors import ConfigError

GOOD = """
name = "tiny"
steps = 10
[[models]]
id = "sim/a"
input_cost_per_1k_tokens = 0.001
output_cost_per_1k_tokens = 0.002
behaviour = { quality = 0.8 }
[traffic.logical_reasoning]
rate = 5
"""


def test_builtins_are_there_and_valid():
    names = builtin_names()
    assert {
        "steady-state",
        "model-release",
        "price-shock",
        "outage",
        "quality-drift",
        "herding",
    } <= set(names)
    for name in names:
        assert load_scenario(name).name == name


def test_a_good_file_loads(tmp_path: Path):
    path = tmp_path / "tiny.toml"
    path.write_text(GOOD)
    spec = load_scenario(path)
    assert spec.models[0].on("logical_reasoning").quality == 0.8


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (GOOD.replace("steps = 10", "steps = -1"), "steps: Input should be greater than 0"),
        (GOOD.replace("quality = 0.8", "quality = 1.8"), "models.0.behaviour.quality"),
        (GOOD + "\nsurprise = 1\n", "surprise: Extra inputs are not permitted"),
        (
            GOOD + '\n[[events]]\nkind = "outage"\nstep = 3\nmodel = "sim/b"\nduration = 2\n',
            "unknown model 'sim/b'",
        ),
        (GOOD + '\n[[events]]\nkind = "meteor"\nstep = 3\nmodel = "sim/a"\n', "events.0"),
        (GOOD.replace("rate = 5", "rate = 'lots'"), "traffic.logical_reasoning.rate"),
        ("name = [", "not valid TOML"),
        (
            GOOD.replace("{ quality = 0.8 }", "{ quality = 0.8 }\ntasks.logical_reasonin = {}"),
            "models[0].tasks: task 'logical_reasonin' has no traffic",
        ),
        (
            GOOD + '\n[[events]]\nkind = "quality_drift"\nstep = 3\nmodel = "sim/a"\n'
            'delta = -0.2\ntask = "logical_reasonin"\n',
            "events[0]: task 'logical_reasonin' has no traffic",
        ),
    ],
)
def test_mistakes_name_file_and_field(tmp_path: Path, change: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(change)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_an_unknown_name_lists_the_builtins():
    with pytest.raises(ConfigError, match=r"not a built-in .*model-release"):
        load_scenario("no-such-scenario")


def test_a_byte_order_mark_before_the_first_key_is_ignored(tmp_path: Path):
    """Windows editors (Notepad, Excel) may save UTF-8 with a byte order mark."""
    path = tmp_path / "tiny.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_scenario(path).name == "tiny"


def test_a_file_not_in_utf8_is_named(tmp_path: Path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(GOOD.replace('"tiny"', '"tiny"\ndescription = "caf\xe9"').encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1.toml: not UTF-8 text \(byte \d+\)"):
        load_scenario(path)
