"""The prompt-hash key: created once, private, refused when others can read it (issue 17)."""

from __future__ import annotations

import stat

import pytest

from selection.errors import ConfigError
from selection.prompt_key import default_key_path, load_or_create_key


def test_the_key_is_created_private_and_then_reused(tmp_path, monkeypatch):
    path = tmp_path / "cfg" / "prompt-hash.key"
    monkeypatch.setenv("GENESIS_PRIME_KEY_FILE", str(path))
    assert default_key_path() == path
    key = load_or_create_key()
    assert len(key) == 64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key() == key
    assert load_or_create_key(tmp_path / "other.key") != key  # per installation


def test_a_key_others_can_read_is_refused(tmp_path):
    path = tmp_path / "k"
    load_or_create_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        load_or_create_key(path)


def test_the_default_lives_in_the_users_config(monkeypatch, tmp_path):
    monkeypatch.delenv("GENESIS_PRIME_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_key_path() == tmp_path / "genesis-prime" / "prompt-hash.key"
