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
