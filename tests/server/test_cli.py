"""``genesis-prime serve`` refuses to start without protection."""

from __future__ import annotations

from scenarios.cli import main


def test_serve_needs_a_key_or_explicit_no_auth(monkeypatch, capsys):
    monkeypatch.delenv("GENESIS_API_KEY", raising=False)
    assert main(["serve", "--port", "0"]) == 1
    assert "GENESIS_API_KEY" in capsys.readouterr().err


def test_no_auth_is_refused_off_loopback(capsys):
    assert main(["serve", "--host", "0.0.0.0", "--no-auth"]) == 1
    assert "loopback" in capsys.readouterr().err


def test_serve_runs_on_uvloop_and_httptools(monkeypatch, tmp_path, capsys):
    import asyncio

    import uvicorn
    import uvloop

    seen: dict[str, object] = {}

    async def fake_serve(self, sockets=None):
        seen["loop"] = type(asyncio.get_running_loop())
        seen["config"] = (self.config.loop, self.config.http)

    monkeypatch.setattr(uvicorn.Server, "serve", fake_serve)
    db = f"sqlite:///{tmp_path}/serve.db"
    assert main(["serve", "--no-auth", "--port", "0", "--db", db]) == 0
    assert seen["loop"] is uvloop.Loop
    assert seen["config"] == ("uvloop", "httptools")
    assert "uvloop, httptools" in capsys.readouterr().out
