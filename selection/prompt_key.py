"""The per-installation secret that keys stored prompt hashes.

A plain SHA-256 of a short prompt is recovered by trying likely prompts; an HMAC under a
secret that never leaves this installation is not. The secret is 32 random bytes in a file
readable only by its owner (mode 0600, folder 0700), created on first use:
``$GENESIS_PRIME_KEY_FILE`` if set, else ``$XDG_CONFIG_HOME/genesis-prime/prompt-hash.key``
(``~/.config/...``). Keep it with the database's backups: hashes made under another key do
not match. The key is never logged nor shown in a repr.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from selection.errors import ConfigError

__all__ = ["KEY_FILE_ENV", "default_key_path", "load_or_create_key"]

KEY_FILE_ENV = "GENESIS_PRIME_KEY_FILE"


def default_key_path() -> Path:
    """Where the key lives: ``$GENESIS_PRIME_KEY_FILE``, else the user's config folder."""
    if explicit := os.environ.get(KEY_FILE_ENV):
        return Path(explicit)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "genesis-prime" / "prompt-hash.key"


def load_or_create_key(path: Path | None = None) -> bytes:
    """Read the key, creating it (mode 0600) if it does not exist.

    Raises:
        ConfigError: the file cannot be read or created, or is readable by others.
    """
    path = path or default_key_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
        if path.stat().st_mode & 0o077:
            raise ConfigError(f"prompt-hash key {path} is readable by others: chmod 600 it")
        key = path.read_text("ascii").strip()
    except OSError as exc:
        raise ConfigError(f"cannot use prompt-hash key {path}: {exc.strerror}") from None
    if len(key) < 32:
        raise ConfigError(f"prompt-hash key {path} is too short (want 64 hex characters)")
    return key.encode("ascii")
