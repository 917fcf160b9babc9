"""The Arena loader on small slices with hand-checked values, and its errors on bad files."""

from __future__ import annotations

import gzip
import math
from datetime import date
from pathlib import Path

import pytest

from scenarios.arena import (
    DEFAULT_CATEGORIES,
    load_board,
    load_history,
    load_prices,
    win_probability,
)
from scenarios.spec import parse_scenario
from selection import ConfigError

HISTORY = """date,model,organization,license,rating
2023-05-08,gpt-4,OpenAI,Proprietary,1274.19
2023-05-08,vicuna-13b,LMSYS,Non-commercial,1083.22
2023-05-22,gpt-4,OpenAI,Proprietary,1224.57
2023-05-22,claude-v1,Anthropic,Proprietary,1195.00
"""


def test_win_probability_matches_the_formula_by_hand():
    assert win_probability(1200, 1200) == 0.5
    # 400 points: odds of 10 to 1.
    assert win_probability(1600, 1200) == pytest.approx(10 / 11)
    assert win_probability(1000, 1100) == pytest.approx(1 / (1 + 10**0.25))
    assert win_probability(1300, 1250) + win_probability(1250, 1300) == pytest.approx(1.0)


def test_a_history_slice_gives_first_dates_and_as_of_boards(tmp_path: Path):
    path = tmp_path / "history.csv"
    path.write_text(HISTORY)
    history = load_history(path)
    assert history.dates == [date(2023, 5, 8), date(2023, 5, 22)]
    assert history.first_seen("claude-v1") == date(2023, 5, 22)
    assert history.last_seen("vicuna-13b") == date(2023, 5, 8)
    assert history.board(date(2023, 5, 21)) == {"gpt-4": 1274.19, "vicuna-13b": 1083.22}
    assert history.board(date(2023, 5, 1)) == {}
    assert history.reference(date(2023, 5, 30)) == 1224.57  # gpt-4 stands in for gpt-4-0314
    assert history.organization["claude-v1"] == "Anthropic"


def test_the_packaged_data_holds_what_sources_md_says():
    history, board, prices = load_history(), load_board(), load_prices()
    assert len(history.dates) == 105
    assert len(history.ratings) == 238
    assert history.dates[0] == date(2023, 5, 8)
    assert history.dates[-1] == date(2025, 3, 26)
    assert history.first_seen("claude-3-5-sonnet-20240620") == date(2024, 6, 23)
    assert len(board.categories) == 29
    assert "full" in board.categories
    assert len(board.category("full")) == 282
    # The published order at the top of the 2025-12 overall board.
    assert board.ranking("full")[:3] == ["gemini-3-pro", "gemini-2.5-pro", "grok-4.1-thinking"]
    top = board.category("full")["gemini-3-pro"]
    assert (top.rating, top.low, top.high) == (1486.60, 1480.40, 1492.80)
    assert prices["o1-preview"].input_per_mtok == 15
    assert prices["o1-preview"].output_per_mtok == 60
    assert all(p.input_per_mtok >= 0 and p.output_per_mtok >= 0 for p in prices.values())


def test_categories_map_to_task_types():
    assert DEFAULT_CATEGORIES["coding"] == "technical_explanation"
    assert DEFAULT_CATEGORIES["math"] == "logical_reasoning"
    assert DEFAULT_CATEGORIES["creative_writing"] == "creative_generation"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,model,organization\n", "missing column 'rating'"),
        ("date,model,organization,rating\n", "no rows"),
        ("date,model,organization,rating\n2023-05-08,gpt-4,OpenAI,high\n", "rating 'high' is not"),
        ("date,model,organization,rating\n2023-13-08,gpt-4,OpenAI,1\n", "date '2023-13-08'"),
        ("date,model,organization,rating\n2023-05-08,,OpenAI,1\n", "an empty name"),
    ],
)
def test_a_malformed_history_names_file_line_and_field(tmp_path: Path, text: str, message: str):
    path = tmp_path / "history.csv"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_history(path)
    assert str(path) in str(caught.value)


def test_missing_and_corrupt_files_are_one_clear_error(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"nowhere\.csv: cannot read"):
        load_board(tmp_path / "nowhere.csv")
    broken = tmp_path / "categories.csv.gz"
    broken.write_bytes(gzip.compress(b"category,model,rating\n")[:12])
    with pytest.raises(ConfigError, match="cannot read"):
        load_board(broken)
    outside = tmp_path / "board.csv"
    outside.write_text("category,model,rating,rating_q025,rating_q975\nfull,m,1500,1400,1450\n")
    with pytest.raises(ConfigError, match="outside its 95% interval"):
        load_board(outside)
    prices = tmp_path / "prices.csv"
    prices.write_text("model,input_per_mtok,output_per_mtok\nm,-1,2\n")
    with pytest.raises(ConfigError, match=r"input_per_mtok -1\.0 is below 0"):
        load_prices(prices)


def test_a_history_scenario_enters_models_at_their_first_date():
    spec = parse_scenario(
        """name = "slice"
[arena]
board = "history"
start = 2024-06-03
end = 2024-07-29
"""
    )
    assert spec.steps == 9
    assert spec.step_minutes == 7 * 24 * 60
    releases = {e.model: e.step for e in spec.events if e.kind == "release"}
    # First listed 2024-07-22, a Monday: the step of that week (7).
    assert releases["gpt-4o-mini-2024-07-18"] == 7
    # First listed 2024-06-29 (a Saturday): it enters at the next weekly step, 2024-07-01.
    assert releases["gemma-2-9b-it"] == 4
    # Claude 3.5 Sonnet (2024-06-23) has no known price: left out of routing.
    assert "claude-3-5-sonnet-20240620" not in {m.id for m in spec.models}
    mini = next(m for m in spec.models if m.id == "gpt-4o-mini-2024-07-18")
    assert mini.input_cost_per_1k_tokens == pytest.approx(0.00015)
    assert mini.output_cost_per_1k_tokens == pytest.approx(0.0006)
    assert mini.behaviour.outcome == "win"
    history = load_history()
    day = date(2024, 7, 22)
    expected = win_probability(history.board(day)[mini.id], history.reference(day))
    assert mini.behaviour.quality == pytest.approx(expected, abs=1e-6)
    assert not math.isnan(expected)
    assert 0.5 < expected < 1


def test_bad_arena_tables_are_clear_errors():
    with pytest.raises(ConfigError, match=r"arena\.board"):
        parse_scenario('name = "x"\n[arena]\nboard = "futures"\n', source="x.toml")
    with pytest.raises(ConfigError, match="models: an \\[arena\\] scenario takes its models"):
        parse_scenario('name = "x"\nmodels = []\n[arena]\nboard = "history"\n')
    with pytest.raises(ConfigError, match="no category 'poetry'"):
        parse_scenario(
            'name = "x"\n[arena]\nboard = "categories"\ncategories.poetry = { task = "poems" }\n'
        )
