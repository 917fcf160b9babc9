"""The README's Agents section runs as written (both homes: live runtime and Mesa)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def agents_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Agents\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_section_shows_both_homes() -> None:
    blocks = agents_examples()
    assert len(blocks) == 2
    assert "StoreFeed" in blocks[0]
    assert "MesaGenesisAgent" in blocks[1]


@pytest.mark.parametrize("index", [0, 1], ids=["live-runtime", "mesa"])
def test_example_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # the live example writes its SQLite file here
    monkeypatch.delenv("DATABASE_URL", raising=False)
    exec(
        compile(agents_examples()[index], f"README.md[agents {index}]", "exec"),
        {"__name__": "__main__"},
    )
    out = capsys.readouterr().out
    if index == 0:
        assert "10 calls observed" in out
        assert "openrouter/mixtral-8x7b" in out
    else:
        weights = eval(out.strip().splitlines()[-1])  # the printed {agent_id: weight}
        assert weights["shill"] < min(w for name, w in weights.items() if name != "shill")
