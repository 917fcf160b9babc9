"""A key echoed back by a hostile server is redacted however it is encoded (issue 17)."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest

from selection.providers._http import excerpt

KEY = "sk-canary-0123456789abcdefXYZ"


def _escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"error": f"invalid key {KEY}"}),
        '{"error": "invalid key ' + _escaped(KEY) + '"}',  # as a JSON encoder may send it
        f"key=\\x{ord(KEY[0]):02x}{KEY[1:]}",
        "key=" + urllib.parse.quote(KEY, safe=""),
        "auth: " + base64.b64encode(KEY.encode()).decode(),
        "auth: " + base64.b64encode(f"Bearer {KEY}".encode()).decode(),
        "auth: " + base64.b64encode(f"x:{KEY}!".encode()).decode(),
        "auth: " + base64.urlsafe_b64encode(f"ab{KEY}".encode()).decode(),
    ],
    ids=["plain", "u-escaped", "x-escaped", "percent", "b64", "b64-bearer", "b64-shift2", "b64url"],
)
def test_an_echoed_key_is_redacted(body):
    shown = excerpt(body, [KEY])
    assert "***" in shown
    assert KEY not in shown
    for leftover in (KEY[4:12], base64.b64encode(KEY.encode()).decode()[4:16]):
        assert leftover not in shown


def test_text_without_the_key_is_kept():
    assert excerpt('{"error": "rate limited, retry in 2s"}', [KEY]) == (
        '{"error": "rate limited, retry in 2s"}'
    )
