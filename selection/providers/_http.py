"""The HTTP edge: the default client factory and the one place httpx errors are mapped."""

from __future__ import annotations

import base64
import email.utils
import json
import math
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from selection.errors import (
    ConfigError,
    ProviderConnectionError,
    ProviderError,
    ProviderResponseError,
    ProviderTimeout,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "Endpoint",
    "RealRequestsBlockedError",
    "allow_real_requests",
    "default_http_client",
    "excerpt",
    "parse_retry_after",
    "send",
    "stream_lines",
    "stream_open",
]

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=30.0, pool=10.0)
"""Connect fast, but let a long generation take up to two minutes between bytes."""

_EXCERPT_CHARS = 200


class RealRequestsBlockedError(ConfigError):
    """:func:`default_http_client` was asked for a real network client while blocked."""


class _Guard:
    # pydantic-ai's ALLOW_MODEL_REQUESTS: tests flip this so no test reaches a real host.
    allowed = True


@contextmanager
def allow_real_requests(allowed: bool) -> Iterator[None]:
    """Allow or block :func:`default_http_client` without a transport, within the block.

    Args:
        allowed: ``False`` makes the factory raise unless a transport is injected.

    Yields:
        Nothing; the previous setting is restored on exit.
    """
    previous, _Guard.allowed = _Guard.allowed, allowed
    try:
        yield
    finally:
        _Guard.allowed = previous


def default_http_client(
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    trust_env: bool = False,
) -> httpx.AsyncClient:
    """Create the ``httpx.AsyncClient`` provider clients use when none is injected.

    Args:
        transport: A transport to use instead of the network (a fake, in tests).
        timeout: Per-operation timeouts.
        trust_env: Let httpx read proxy and certificate settings from the environment; off by
            default, since library code does not read the environment.

    Returns:
        A new client; the caller owns it and must ``aclose()`` it.

    Raises:
        RealRequestsBlockedError: No transport was given while real requests are blocked.
    """
    if transport is None and not _Guard.allowed:
        raise RealRequestsBlockedError(
            "real provider requests are blocked here; inject a transport "
            "(httpx.MockTransport) or use allow_real_requests(True)"
        )
    return httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=trust_env)


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")


def _unescape(text: str) -> str:
    """Decode backslash-u / backslash-x escapes and %-encoding: an echoed key shows plainly."""
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    return urllib.parse.unquote(text)


def _base64_forms(secret: str) -> set[str]:
    """The parts of ``secret``'s base64 (standard and URL-safe) that surroundings cannot change.

    One per byte alignment the secret can have inside a longer encoded text (three).
    """
    raw = secret.encode()
    forms: set[str] = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw).decode()
        start = -(-shift * 4 // 3)  # characters touched by the unknown bytes before it
        end = (shift + len(raw)) // 3 * 4  # whole groups only: what follows may change the rest
        core = encoded[start:end]
        if len(core) >= 8:
            forms.update((core, core.replace("+", "-").replace("/", "_")))
    return forms


def excerpt(text: str, secrets: Iterable[str] = ()) -> str:
    """Return a short one-line excerpt of a body with every secret replaced by ``***``.

    A secret is also found echoed with backslash-u or -x escapes, %-encoded or in base64.
    """
    secrets = [s for s in secrets if s]
    if secrets:
        text = _unescape(text)
    for secret in secrets:
        text = text.replace(secret, "***")
        if len(secret) >= 8:
            for form in _base64_forms(secret):
                text = text.replace(form, "***")
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT_CHARS else flat[:_EXCERPT_CHARS] + "…"


def _http_date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Read how long the provider asked us to wait, in seconds.

    ``retry-after-ms`` (OpenAI, Anthropic) wins over ``Retry-After``, which may hold seconds or
    an HTTP date. A date is measured against ``now`` if given, else against the response's own
    ``Date`` header (which RFC 9110 requires of origin servers, and which cancels clock skew).

    Args:
        headers: Response headers (case-insensitive mapping such as ``httpx.Headers``).
        now: The current time, for the HTTP-date form.

    Returns:
        Seconds (>= 0), or ``None`` when absent or unreadable.
    """
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            value = float(millis)
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return value / 1000
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        when = _http_date(raw)
        reference = now or _http_date(headers.get("date", ""))
        if when is None or reference is None:
            return None
        return max((when - reference).total_seconds(), 0.0)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


class Endpoint:
    """One JSON POST endpoint, prepared once: each call only encodes its body.

    ``http.build_request`` merges the URL, the client's and the provider's headers and the
    timeouts on every call; here that is done once, so a request is the prepared parts plus
    the body, encoded as httpx encodes ``json=``: the bytes on the wire are the same. The
    client's headers and timeout are read when the endpoint is made; once the client holds
    a cookie, requests are built by httpx again, which adds it. The headers hold the key,
    so the repr names only the URL.

    Args:
        http: The client whose headers, base URL and timeouts apply.
        url: The endpoint's URL.
        headers: The provider's headers (authentication included).
    """

    __slots__ = ("_extensions", "_head", "_headers", "_http", "_url")

    def __init__(self, http: httpx.AsyncClient, url: str, headers: Mapping[str, str]) -> None:
        self._http = http
        self._headers = dict(headers)
        prototype = http.build_request("POST", url, headers=self._headers)
        self._url = prototype.url
        self._head = [(k, v) for k, v in prototype.headers.raw if k.lower() != b"content-length"]
        self._extensions = prototype.extensions

    def __repr__(self) -> str:
        return f"Endpoint({str(self._url)!r})"

    @property
    def url(self) -> httpx.URL:
        """Where requests go."""
        return self._url

    def request(self, body: Any) -> httpx.Request:
        """Build the POST of ``body`` as JSON.

        Raises:
            ValueError: ``body`` holds NaN or infinity, which JSON cannot carry.
            TypeError: ``body`` holds something JSON cannot encode.
        """
        if self._http.cookies:  # the provider set one: httpx adds it where it always has
            return self._http.build_request("POST", self._url, headers=self._headers, json=body)
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        data = content.encode()
        headers = [
            *self._head,
            (b"Content-Length", str(len(data)).encode()),
            (b"Content-Type", b"application/json"),
        ]
        request = httpx.Request(
            "POST",
            self._url,
            headers=headers,
            stream=httpx.ByteStream(data),
            extensions=self._extensions,
        )
        request.read()  # as httpx does for a body in memory: handlers may read .content
        return request


# httpx's private mount lookup (the client's own mounts and proxies); should a release of httpx
# drop it, every request goes through ``AsyncClient.send``: slower, never wrong.
_MOUNT_LOOKUP = "_transport_for_url"


async def _dispatch(
    http: httpx.AsyncClient, request: httpx.Request, *, stream: bool = False
) -> httpx.Response:
    """Send a request, straight to the transport when that loses nothing; read it unless ``stream``.

    ``http.send`` costs tens of microseconds per call on auth, redirects, cookies and event
    hooks. A client that uses none of them (the usual provider client) sends through its
    transport directly. A cookie the answer sets goes into the client's jar, after which
    httpx builds and sends its requests again (and so sends the cookie back).
    """
    transport_for_url = getattr(http, _MOUNT_LOOKUP, None)
    if (
        transport_for_url is None
        or http.is_closed
        or http.auth is not None
        or http.follow_redirects
        or http.cookies
        or any(http.event_hooks.values())
    ):
        return await http.send(request, stream=stream)
    transport: httpx.AsyncBaseTransport = transport_for_url(request.url)
    response = await transport.handle_async_request(request)
    response.request = request
    if "set-cookie" in response.headers:
        http.cookies.extract_cookies(response)
    if not stream:
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
    return response


async def send(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    status_error: Callable[[httpx.Response], ProviderError],
) -> tuple[httpx.Response, float]:
    """Send ``request`` and map every failure to a classified provider error.

    Args:
        http: The client to send with.
        request: The built request.
        provider: The provider name, for error messages.
        status_error: Builds the error for a non-2xx response (the client's classifier).

    Returns:
        The successful (2xx) response and the seconds it took.

    Raises:
        ProviderTimeout: httpx timed out.
        ProviderConnectionError: The transport failed.
        ProviderResponseError: The body could not be decoded.
        selection.errors.ProviderError: From ``status_error``, for a non-2xx status.
    """
    start = time.monotonic()
    try:
        response = await _dispatch(http, request)
    except httpx.TimeoutException as exc:
        raise ProviderTimeout(
            f"no answer in time ({type(exc).__name__})", provider=provider
        ) from exc
    except httpx.DecodingError as exc:
        raise ProviderResponseError("the body could not be decoded", provider=provider) from exc
    except httpx.HTTPError as exc:
        raise ProviderConnectionError(
            f"request failed ({type(exc).__name__})", provider=provider
        ) from exc
    latency = time.monotonic() - start
    if not response.is_success:
        raise status_error(response)
    return response, latency


async def stream_open(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    status_error: Callable[[httpx.Response], ProviderError],
) -> httpx.Response:
    """Send ``request`` for a streamed answer; return the open 2xx response.

    The caller reads and closes the response. A non-2xx answer is read whole, closed and
    mapped by ``status_error``; transport failures are mapped as by :func:`send`.
    """
    try:
        response = await _dispatch(http, request, stream=True)
    except httpx.TimeoutException as exc:
        raise ProviderTimeout(
            f"no answer in time ({type(exc).__name__})", provider=provider
        ) from exc
    except httpx.HTTPError as exc:
        raise ProviderConnectionError(
            f"request failed ({type(exc).__name__})", provider=provider
        ) from exc
    if response.is_success:
        return response
    try:
        await response.aread()
    except httpx.HTTPError as exc:
        raise ProviderConnectionError(
            f"error body unreadable ({type(exc).__name__})", provider=provider
        ) from exc
    finally:
        await response.aclose()
    raise status_error(response)


async def stream_lines(response: httpx.Response, *, provider: str) -> AsyncIterator[str]:
    """The lines of an open streamed response, transport failures mapped as by :func:`send`."""
    try:
        async for line in response.aiter_lines():
            yield line
    except httpx.TimeoutException as exc:
        raise ProviderTimeout(f"stream stalled ({type(exc).__name__})", provider=provider) from exc
    except httpx.HTTPError as exc:
        raise ProviderConnectionError(
            f"stream broke ({type(exc).__name__})", provider=provider
        ) from exc
