"""Hostile but fair input to the ``genesis-prime`` command line (issue 17, CLI half).

Every case drives the real command and must end in exactly one line on stderr, naming what is
wrong, and a non-zero exit: never a traceback, never a multi-line pydantic dump.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.eventlog import EventLog
from scenarios.spec import load_scenario, parse_scenario
from selection import ConfigError, StoreError

TINY = """
name = "tiny"
steps = 3
[agents]
count = 4
vote_period = 2
[[models]]
id = "sim/a"
input_cost_per_1k_tokens = 0.001
output_cost_per_1k_tokens = 0.002
behaviour = { quality = 0.7 }
[[models]]
id = "sim/b"
input_cost_per_1k_tokens = 0.003
output_cost_per_1k_tokens = 0.004
behaviour = { quality = 0.8 }
[traffic.logical_reasoning]
rate = 3
"""


def _scenario(tmp: Path, name: str, text: str) -> str:
    path = tmp / f"{name}.toml"
    path.write_text(text)
    return str(path)


def _with_line(after: str, line: str) -> str:
    return TINY.replace(after, f"{after}\n{line}", 1)


def _catalog(tmp: Path, document: object) -> str:
    path = tmp / "catalog.json"
    path.write_text(json.dumps(document))
    return str(path)


MODEL = {"id": "x/m", "provider": "x", "cost_per_1k_tokens": 0.1, "context_length": 1000}


def _log(tmp: Path, *entries: object) -> str:
    path = tmp / "events.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        for entry in entries:
            handle.write(json.dumps(entry) + "\n")
    return str(path)


def _header(**changes: object) -> dict[str, object]:
    spec = parse_scenario(TINY).model_dump(mode="json")
    header: dict[str, object] = {"kind": "header", "format": 1, "policy": "hive", "scenario": spec}
    header.update(changes)
    return header


def _trace(tmp: Path, name: str, body: str, *, cut: bool = False) -> str:
    text = "prompt,model,score,cost\n" + body
    path = tmp / name
    if name.endswith(".gz"):
        data = gzip.compress(text.encode())
        path.write_bytes(data[: len(data) // 2] if cut else data)
    else:
        path.write_text(text)
    return str(path)


LONG_TRACE = "".join(f"p{i},m{j},0.5,0.01\n" for i in range(40) for j in range(2))

Case = Callable[[Path], list[str]]

CASES: dict[str, tuple[Case, str]] = {
    # -- scenario files: everything they name is checked when they load ----------------------
    "name-parent": (
        lambda t: ["run", _scenario(t, "s", TINY.replace('"tiny"', '"../escape"'))],
        "name: String should match pattern",
    ),
    "name-absolute": (
        lambda t: ["run", _scenario(t, "s", TINY.replace('"tiny"', f'"{t}/abs"'))],
        "name:",
    ),
    "name-separator": (
        lambda t: ["run", _scenario(t, "s", TINY.replace('"tiny"', '"a/b"'))],
        "name:",
    ),
    "consensus-bogus": (
        lambda t: ["run", _scenario(t, "s", _with_line("vote_period = 2", 'consensus = "bogus"'))],
        "agents.consensus: unknown consensus method 'bogus'",
    ),
    "persona-unknown": (
        lambda t: ["run", _scenario(t, "s", _with_line("count = 4", "personas = { wizard = 1 }"))],
        "agents.personas: unknown persona 'wizard'",
    ),
    "persona-shares-zero": (
        lambda t: ["run", _scenario(t, "s", _with_line("count = 4", "personas = { critic = 0 }"))],
        "shares must add up to more than 0",
    ),
    "selector-weight-unknown": (
        lambda t: ["run", _scenario(t, "s", TINY + "[selector]\nweights = { beauty = 1 }\n")],
        "selector.weights: unknown priority factor 'beauty'",
    ),
    "step-minutes-1e300": (
        lambda t: ["run", _scenario(t, "s", _with_line("steps = 3", "step_minutes = 1e300"))],
        "step_minutes",
    ),
    "start-year-9999": (
        lambda t: [
            "run",
            _scenario(t, "s", _with_line("steps = 3", "start = 9999-12-31T23:00:00Z")),
        ],
        "past the year 9999",
    ),
    "event-before-release": (
        lambda t: [
            "run",
            _scenario(
                t,
                "s",
                TINY.replace("steps = 3", "steps = 9")
                + '[[events]]\nkind = "release"\nstep = 5\nmodel = "sim/b"\n'
                + '[[events]]\nkind = "retirement"\nstep = 2\nmodel = "sim/b"\n',
            ),
        ],
        "before its release at step 5",
    ),
    "released-twice": (
        lambda t: [
            "run",
            _scenario(
                t,
                "s",
                TINY + '[[events]]\nkind = "release"\nstep = 1\nmodel = "sim/b"\n' * 2,
            ),
        ],
        "released twice",
    ),
    "traffic-rate-beyond-memory": (
        lambda t: ["run", _scenario(t, "s", TINY.replace("rate = 3", "rate = 1e12"))],
        "traffic.logical_reasoning.rate: Input should be less than or equal to 100000",
    ),
    "traffic-burst-beyond-memory": (
        lambda t: [
            "run",
            _scenario(t, "s", TINY + "bursts = [{ start = 0, end = 2, multiplier = 50000 }]\n"),
        ],
        "requests per step with bursts",
    ),
    "tokens-1e300": (
        lambda t: [
            "run",
            _scenario(t, "s", TINY.replace("quality = 0.7", "quality = 0.7, tokens_in = 1e300")),
        ],
        "models.0.behaviour.tokens_in: Input should be less than or equal to",
    ),
    # -- the output folder --------------------------------------------------------------------
    "out-is-a-file": (
        lambda t: ["run", _scenario(t, "s", TINY), "--out", str(_touch(t / "afile"))],
        "is a file, not a folder",
    ),
    "out-holds-a-foreign-report": (
        lambda t: [
            "run",
            _scenario(t, "s", TINY),
            "--out",
            str(_touch(t / "o" / "report.md").parent),
        ],
        "report.md, not written by a genesis-prime run",
    ),
    "out-holds-a-foreign-manifest": (
        lambda t: [
            "run",
            _scenario(t, "s", TINY),
            "--out",
            str(_touch(t / "o" / "run.json").parent),
        ],
        "run.json that genesis-prime did not write",
    ),
    "db-existing-sqlite-file": (
        lambda t: [
            "run",
            _scenario(t, "s", TINY),
            "--out",
            str(t / "o"),
            "--db",
            f"sqlite:///{_touch(t / 'mine.db', b'precious')}",
        ],
        "the file already exists",
    ),
    "run-db-empty": (lambda t: ["run", _scenario(t, "s", TINY), "--db", ""], "--db is empty"),
    # -- catalogs -----------------------------------------------------------------------------
    "catalog-tasks-int": (
        lambda t: ["models", "--catalog", _catalog(t, {"tasks": 5, "models": []})],
        "'tasks' must be a list of task names",
    ),
    "catalog-tasks-list-of-int": (
        lambda t: ["models", "--catalog", _catalog(t, {"tasks": [1], "models": []})],
        "'tasks' must be a list of task names",
    ),
    "catalog-tasks-string": (
        lambda t: ["models", "--catalog", _catalog(t, {"tasks": "abc", "models": []})],
        "'tasks' must be a list of task names, got 'abc'",
    ),
    "catalog-duplicate-id": (
        lambda t: ["models", "--catalog", _catalog(t, {"models": [MODEL, MODEL]})],
        "models[1]: the id 'x/m' appears twice",
    ),
    # -- options ------------------------------------------------------------------------------
    "weights-empty": (
        lambda t: ["recommend", "logical_reasoning", "--weights", "", "--db", _db(t)],
        "--weights is empty",
    ),
    "status-db-empty": (lambda t: ["status", "--db", ""], "--db is empty"),
    "catalog-empty": (lambda t: ["models", "--catalog", ""], "--catalog is empty"),
    "min-context-negative": (
        lambda t: ["models", "--min-context", "-5"],
        "--min-context must be 0 or more",
    ),
    "max-price-nan": (lambda t: ["models", "--max-price", "nan"], "--max-price must be a finite"),
    "max-price-negative": (
        lambda t: ["models", "--max-price", "-1"],
        "--max-price must be a finite",
    ),
    "ab-monitor-unknown-id": (
        lambda t: ["ab", "monitor", "no-such-test", "--db", _db(t)],
        "unknown A/B test 'no-such-test'",
    ),
    "sweep-workers-zero": (
        lambda t: ["sweep", _scenario(t, "s", TINY), "--workers", "0", "--out", str(t / "o")],
        "--workers must be at least 1",
    ),
    "sweep-policy-unknown": (
        lambda t: ["sweep", _scenario(t, "s", TINY), "--policy", "nope", "--out", str(t / "o")],
        "--policy 'nope'",
    ),
    "sweep-param-not-a-number": (
        lambda t: [
            "sweep",
            _scenario(t, "s", TINY),
            "--param",
            "agents.social_influence=abc",
            "--out",
            str(t / "o"),
        ],
        "agents.social_influence: Input should be a valid number",
    ),
    # -- traces -------------------------------------------------------------------------------
    "trace-truncated-gzip": (
        lambda t: ["evaluate", _trace(t, "cut.csv.gz", LONG_TRACE, cut=True), "--out", str(t)],
        "damaged or cut short",
    ),
    "trace-field-over-128k": (
        lambda t: ["evaluate", _trace(t, "big.csv", f"p1,{'m' * 200_000},0.5,0.01\n")],
        "line 2: field larger than field limit",
    ),
    "trace-model-name-too-long": (
        lambda t: ["evaluate", _trace(t, "long.csv", f"p1,{'m' * 300},0.5,0.01\np1,b,0.4,0.01\n")],
        "is 300 characters; a catalog id holds 1 to 255",
    ),
    # -- replay logs --------------------------------------------------------------------------
    "replay-header-no-scenario": (
        lambda t: ["replay", _log(t, {"kind": "header", "format": 1, "policy": "hive"})],
        "header: scenario:",
    ),
    "replay-header-no-policy": (
        lambda t: ["replay", _log(t, {k: v for k, v in _header().items() if k != "policy"})],
        "header: policy None",
    ),
    "replay-header-policy-unknown": (
        lambda t: ["replay", _log(t, _header(policy="nope"))],
        "header: policy 'nope'",
    ),
    "replay-header-scenario-string": (
        lambda t: ["replay", _log(t, _header(scenario="x"))],
        "header: scenario: Input should be a valid dictionary",
    ),
    "replay-header-is-a-list": (
        lambda t: ["replay", _log(t, [1, 2, 3])],
        "line 1 is not a log entry",
    ),
    "replay-header-steps-negative": (
        lambda t: ["replay", _log(t, _header(scenario={**_header()["scenario"], "steps": -1}))],  # type: ignore[dict-item]
        "header: scenario: steps: Input should be greater than 0",
    ),
    "replay-later-line-not-an-object": (
        lambda t: ["replay", _log(t, _header(), "hello")],
        "line 2 is not a log entry",
    ),
}


def _touch(path: Path, data: bytes = b"mine") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _db(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'store.db'}"


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_input_is_one_line_and_a_failure(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.chdir(tmp_path)
    build, expected = CASES[case]
    argv = build(tmp_path)
    capsys.readouterr()
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("genesis-prime: error: ")
    assert expected in err


def test_a_name_never_writes_outside_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    scenario = _scenario(tmp_path, "s", TINY.replace('"tiny"', '"../../escape"'))
    assert main(["run", scenario]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml", "work"]
    assert list(work.iterdir()) == []


def test_files_already_in_the_folder_are_never_touched(tmp_path: Path):
    out = tmp_path / "o"
    report = _touch(out / "report.md", b"my notes")
    database = _touch(out / "records-hive.db", b"my data")
    assert main(["run", _scenario(tmp_path, "s", TINY), "--out", str(out), "--overwrite"]) == 1
    assert report.read_bytes() == b"my notes"
    assert database.read_bytes() == b"my data"
    assert sorted(p.name for p in out.iterdir()) == ["records-hive.db", "report.md"]


def test_a_second_run_needs_overwrite_and_replaces_only_its_own_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "o"
    scenario = _scenario(tmp_path, "s", TINY)
    assert main(["run", scenario, "--out", str(out)]) == 0
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "complete"
    assert "report.md" in manifest["files"]
    notes = _touch(out / "notes.txt", b"mine")
    capsys.readouterr()
    assert main(["run", scenario, "--out", str(out)]) == 1
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["run", scenario, "--out", str(out), "--overwrite"]) == 0
    assert notes.read_bytes() == b"mine"
    assert json.loads((out / "run.json").read_text())["status"] == "complete"


def test_a_run_that_fails_marks_its_folder_incomplete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "o"
    db = f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}"
    assert main(["run", _scenario(tmp_path, "s", TINY), "--out", str(out), "--db", db]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "incomplete" in err
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "incomplete"
    assert "missing-folder" in manifest["error"]
    assert not (out / "report.md").exists()


@pytest.mark.parametrize(
    ("db", "message"),
    [("postgres//host/db", "unsupported database URL scheme"), ("sqlite://x.db", "malformed")],
)
@pytest.mark.parametrize("run_id", [[], ["--run-id", "r1"]])
def test_a_malformed_db_url_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], db: str, message: str, run_id: list[str]
):
    out = tmp_path / "o"
    argv = ["run", _scenario(tmp_path, "s", TINY), "--out", str(out), "--db", db, *run_id]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()  # a typo in --db needs no --overwrite to run again


def test_a_bad_scenario_writes_nothing(tmp_path: Path):
    scenario = _scenario(tmp_path, "s", _with_line("vote_period = 2", 'consensus = "bogus"'))
    assert main(["run", scenario, "--out", str(tmp_path / "o")]) == 1
    assert not (tmp_path / "o").exists()


def test_the_store_error_is_not_hidden_by_the_log_on_a_full_disk():
    # /dev/full fails every write with ENOSPC, as the log's final flush would on a full disk.
    def run_onto_a_full_disk() -> None:
        with EventLog(Path("/dev/full")) as log:
            log.write({"kind": "header"})
            raise StoreError("writing 58 records failed: database or disk is full")

    with pytest.raises(StoreError, match="disk is full") as caught:
        run_onto_a_full_disk()
    assert "could not be finished" in "".join(caught.value.__notes__)


def test_shortening_drops_late_events_and_never_moves_them(capsys: pytest.CaptureFixture[str]):
    spec = load_scenario("model-release")  # sim/newcomer is released at step 40
    with pytest.warns(
        UserWarning,
        match="model-release: 12 steps drop the release of "
        r"sim/newcomer at step 40 \(the model never enters the run\)",
    ):
        short = spec.with_overrides(steps=12)
    assert short.events == ()
    assert "sim/newcomer" not in {m.id for m in short.models}
    assert spec.events_past(12) == list(spec.events)
    assert spec.with_overrides(steps=41).events == spec.events


def test_the_cli_warns_when_steps_drop_an_event(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "o"
    assert main(["run", "model-release", "--steps", "3", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "drops the release of sim/newcomer at step 40 (the model never enters" in err
    traffic = (out / "traffic.csv").read_text()
    assert "sim/newcomer" not in traffic


def test_a_scenario_file_with_an_event_past_its_last_step_is_refused(tmp_path: Path):
    text = (resources.files("scenarios") / "builtin/model-release.toml").read_text("utf-8")
    path = tmp_path / "late.toml"
    # the release at step 40 now falls after the last step (39)
    path.write_text(re.sub(r"(?m)^steps = \d+$", "steps = 40", text))
    with pytest.raises(ConfigError, match=r"events\[0\]: step 40 is past the last \(39\)"):
        load_scenario(path)


def test_the_cli_says_so_once_when_steps_drop_an_event(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    out = tmp_path / "o"
    assert main(["run", "model-release", "--steps", "3", "--out", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("sim/newcomer at step 40") == 1
    assert "UserWarning" not in captured.err
    document = json.loads(captured.out)  # --json: stdout holds only the document
    assert document["tables"][0]["columns"][0] == "policy"
