"""``genesis-prime serve``: run the OpenAI-compatible server under uvicorn."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from selection import ConfigError

if TYPE_CHECKING:  # pydantic and rich load when the server starts, not for --help
    from asyncio import AbstractEventLoop

    from pydantic import SecretStr
    from rich.console import Console

__all__ = ["add_serve_command", "is_loopback"]

API_KEY_ENV = "GENESIS_API_KEY"


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_serve_command(commands: Any) -> None:
    """Add ``serve`` to a subparsers object."""
    serve = commands.add_parser(
        "serve", help="serve OpenAI's chat-completions API, routed by the selector"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve.add_argument(
        "--db", help="database URL (default: $DATABASE_URL, else sqlite:///genesis_prime.db)"
    )
    serve.add_argument(
        "--default-task",
        default="technical_explanation",
        help="task of genesis-prime/auto without a task hint (technical_explanation)",
    )
    serve.add_argument(
        "--no-auth",
        action="store_true",
        help=f"serve without ${API_KEY_ENV} (only on a loopback address)",
    )
    serve.set_defaults(handler=_serve)


def _api_key(args: argparse.Namespace, environ: os._Environ[str]) -> SecretStr | None:
    from pydantic import SecretStr

    key = environ.get(API_KEY_ENV, "")
    if args.no_auth:
        if not is_loopback(args.host):
            raise ConfigError(f"--no-auth is allowed only on a loopback address, not {args.host}")
        return None
    if not key:
        raise ConfigError(f"set {API_KEY_ENV} (the key clients must send) or pass --no-auth")
    return SecretStr(key)


def _serve(args: argparse.Namespace, console: Console) -> None:
    # Synchronous on purpose: run_handler's asyncio.run() would start the stock asyncio loop,
    # and uvicorn keeps whatever loop it is started in; uvloop runs only if the loop is made
    # for it here.
    import asyncio

    api_key = _api_key(args, os.environ)
    try:
        import uvicorn  # noqa: F401 - a missing extra is named before the loop starts

        import server.app  # noqa: F401
    except ImportError as exc:
        raise ConfigError(
            f"serve needs the server extra: pip install 'genesis-prime[server]' ({exc.name})"
        ) from exc
    loop, http = server_stack()
    with asyncio.Runner(loop_factory=_loop_factory(loop)) as runner:
        runner.run(_run(args, console, api_key, loop=loop, http=http))


def server_stack() -> tuple[str, str]:
    """The event loop and HTTP parser ``serve`` runs on: uvloop and httptools when installed."""
    return (
        "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
        "httptools" if importlib.util.find_spec("httptools") else "h11",
    )


def _loop_factory(loop: str) -> Callable[[], AbstractEventLoop] | None:
    if loop != "uvloop":
        return None
    import uvloop

    factory: Callable[[], AbstractEventLoop] = uvloop.new_event_loop
    return factory


async def _run(
    args: argparse.Namespace,
    console: Console,
    api_key: SecretStr | None,
    *,
    loop: str,
    http: str,
) -> None:
    import uvicorn

    from selection import DynamicModelManager
    from selection.providers import ModelGateway, ProviderSettings
    from server.app import create_app
    from server.transport import PooledTransport

    settings = ProviderSettings.from_env(os.environ)
    async with ModelGateway.from_settings(settings, transport=PooledTransport()) as gateway:
        manager = DynamicModelManager(args.db, gateway=gateway)
        app = create_app(manager, gateway, api_key=api_key, default_task=args.default_task)
        auth = "no auth" if api_key is None else f"bearer ${API_KEY_ENV}"
        console.print(f"serving on http://{args.host}:{args.port}/v1 ({auth}; {loop}, {http})")
        config = uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            log_level="warning",
            access_log=False,
            loop=loop,
            http=http,
        )
        await uvicorn.Server(config).serve()
