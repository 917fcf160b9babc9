"""``genesis-prime ask`` and ``genesis-prime sync-models``: real calls from the command line.

``ask TASK "prompt"`` chooses a model for the task, calls it with fallbacks, records every
attempt and prints the answer with what it cost. Provider keys come from the environment
(``OPENAI_API_KEY``, ``OPENROUTER_API_KEY``, ``ANTHROPIC_API_KEY``, ``GEMINI_API_KEY``,
``MISTRAL_API_KEY``; base URLs from ``<NAME>_BASE_URL``), read here, at the edge.

``sync-models`` updates prices, context lengths and models from OpenRouter's public models
list and writes the catalog to ``--output`` (or back to ``--catalog``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any

from selection.names import BUDGET_HELP

if TYPE_CHECKING:  # httpx, the providers, the manager, pydantic and rich load when a command runs
    import httpx
    from rich.console import Console

    from selection.budget import BudgetLike
    from selection.catalog import ModelCatalog
    from selection.catalog_sync import SyncReport
    from selection.completion import CompletionOutcome
    from selection.records import PerformanceRecord

__all__ = ["add_ask_command", "print_outcome", "print_sync_report"]

Handler = Callable[[argparse.Namespace, "Console"], Coroutine[Any, Any, None]]


def add_ask_command(
    commands: Any,
    *,
    environ: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Add ``ask``, ``sync-models`` and ``rate`` to a subparsers object.

    Args:
        commands: What ``ArgumentParser.add_subparsers()`` returned.
        environ: Where keys and base URLs are read; ``os.environ`` when the command runs.
        transport: An httpx transport for every request (a local fake, in tests).
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        help="database URL (default: $GENESIS_DATABASE_URL, else $DATABASE_URL, "
        "else sqlite:///genesis_prime.db)",
    )
    common.add_argument("--catalog", help="a catalog JSON file instead of the built-in catalog")
    common.add_argument("--budget", metavar="TARGET", help=BUDGET_HELP)

    ask = commands.add_parser(
        "ask", parents=[common], help="answer a prompt with the model chosen for a task"
    )
    ask.add_argument("task", help="task type, e.g. technical_explanation")
    ask.add_argument("prompt", help='the prompt; "-" reads it from standard input')
    ask.add_argument("--weights", help="priority factors, e.g. quality=0.5,cost=0.2,speed=0.3")
    ask.add_argument(
        "--judge",
        default="none",
        help="who scores the answer: none, user (rate later by request id), model:<id>",
    )
    ask.add_argument("--store-prompt", action="store_true", help="store the prompt text too")
    ask.add_argument("--max-tokens", type=int, help="upper bound on generated tokens")
    ask.add_argument("--temperature", type=float, help="sampling temperature")
    ask.add_argument("--request-id", help="the request id to record the call under")
    ask.add_argument("--unit-id", help="the session or user, for A/B tests by unit")
    ask.add_argument("--retries", type=int, default=3, help="tries per model (default 3)")
    ask.add_argument("--timeout", type=float, help="seconds allowed for each try")
    ask.add_argument("--json", action="store_true", help="print the outcome as JSON")
    ask.set_defaults(handler=_ask_handler(environ, transport))

    sync = commands.add_parser(
        "sync-models", help="update prices, context lengths and models from OpenRouter"
    )
    sync.add_argument("--catalog", help="the catalog JSON file to start from (default built-in)")
    sync.add_argument("--output", help="where to write the catalog (default: --catalog)")
    sync.add_argument("--no-new", action="store_true", help="update known models only")
    sync.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="add only new models whose OpenRouter id contains TEXT (repeatable)",
    )
    sync.set_defaults(handler=_sync_handler(environ, transport))

    rate = commands.add_parser(
        "rate", parents=[common], help="rate a recorded call later, by its request id"
    )
    rate.add_argument("request_id", help="the request id that ask printed")
    rate.add_argument("rating", type=float, help="the user's rating, in [0, 1]")
    rate.add_argument("--quality", type=float, help="also set the call's quality score, in [0, 1]")
    rate.set_defaults(handler=_rate)


async def _rate(args: argparse.Namespace, console: Console) -> None:
    from selection.manager import DynamicModelManager

    scores = {"user_rating": args.rating}
    if args.quality is not None:
        scores["quality_score"] = args.quality
    catalog = _load_catalog(args.catalog)
    async with DynamicModelManager(args.db, catalog=catalog) as manager:
        changed = await manager.performance_tracker.amend(args.request_id, **scores)
    if changed is None:
        raise ValueError(f"no recorded call has request id {args.request_id!r}")
    before = ", ".join(f"{k} {v}" for k, v in changed.old.items())
    after = ", ".join(f"{k} {v:g}" for k, v in changed.new.items())
    console.print(
        f"rated {changed.record_id} ({changed.model_id}, {changed.task_type}): {before} -> {after}",
        markup=False,
    )


def _budget(args: argparse.Namespace) -> BudgetLike | None:
    from selection.budget import parse_budget

    return None if args.budget is None else parse_budget(args.budget)


def _load_catalog(path: str | None) -> ModelCatalog:
    from selection.catalog import ModelCatalog

    return ModelCatalog.load(path) if path else ModelCatalog.default()


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _ask_handler(
    environ: Mapping[str, str] | None, transport: httpx.AsyncBaseTransport | None
) -> Handler:
    async def handle(args: argparse.Namespace, console: Console) -> None:
        from selection.cli import parse_weights  # here: selection.cli imports this module
        from selection.completion import CompletionFailedError, CompletionService, catalog_prices
        from selection.judges import judge_from_spec
        from selection.manager import DynamicModelManager
        from selection.providers import (
            GenerationParams,
            Message,
            ModelGateway,
            ProviderSettings,
            Retrier,
            RetryPolicy,
            default_http_client,
        )

        weights = parse_weights(args.weights) if args.weights is not None else None
        if args.retries < 1:
            raise ValueError(f"--retries must be at least 1, got {args.retries}")
        prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
        if not prompt.strip():
            raise ValueError("the prompt is empty")
        catalog = _load_catalog(args.catalog)
        settings = ProviderSettings.from_env(_environ(environ))
        params = GenerationParams(max_tokens=args.max_tokens, temperature=args.temperature)
        retrier = Retrier(RetryPolicy(max_attempts=args.retries))
        async with (
            default_http_client(transport=transport) as http,
            ModelGateway.from_settings(
                settings, http=http, retrier=retrier, call_timeout=args.timeout
            ) as gateway,
            DynamicModelManager(args.db, catalog=catalog, budget=_budget(args)) as manager,
        ):
            judge_model = args.judge.partition(":")[2]
            prices = catalog_prices(catalog.get(judge_model)) if judge_model in catalog else None
            judge = judge_from_spec(args.judge, gateway=gateway, prices=prices)
            service = CompletionService.for_manager(
                manager, gateway, judge=judge, store_prompt=args.store_prompt
            )
            try:
                outcome = await service.complete(
                    args.task,
                    [Message.user(prompt)],
                    weights,
                    params=params,
                    request_id=args.request_id,
                    unit_id=args.unit_id,
                )
            except CompletionFailedError as exc:
                console.print(f"[bold red]every model failed[/] (request {exc.request_id})")
                _print_attempts(exc.records, console)
                raise
        if args.json:
            console.out(json.dumps(_outcome_json(outcome), indent=2), highlight=False)
        else:
            print_outcome(outcome, console)

    return handle


def print_outcome(outcome: CompletionOutcome, console: Console) -> None:
    """Print the answer, then which model gave it, its tokens, cost, latency and attempts."""
    from rich.text import Text

    console.print(Text(outcome.text))
    console.print()
    completion = outcome.completion
    rec = outcome.recommendation
    chosen = "" if rec.recommended_model_id == outcome.model_id else " (fallback)"
    console.print(f"model        {outcome.model_id}{chosen}", markup=False, highlight=False)
    console.print(f"request id   {outcome.request_id}", markup=False, highlight=False)
    tokens_in = "?" if completion.input_tokens is None else f"{completion.input_tokens:,}"
    tokens_out = "?" if completion.output_tokens is None else f"{completion.output_tokens:,}"
    console.print(f"tokens       {tokens_in} in, {tokens_out} out", highlight=False)
    if completion.cost_usd is None:
        console.print(
            "cost         [bold red]unknown[/]: no catalog price and none reported "
            "(recorded as unknown, not $0)"
        )
    else:
        source = "reported by the provider" if completion.cost_source == "provider" else "prices"
        console.print(f"cost         ${completion.cost_usd:.6f} ({source})", highlight=False)
    console.print(f"latency      {completion.latency_s * 1000:,.0f} ms", highlight=False)
    if len(outcome.records) > 1 or outcome.skipped:
        _print_attempts(outcome.records, console, skipped=outcome.skipped)
    verdict = outcome.verdict
    if verdict.quality_score is not None:
        judged = f"{verdict.quality_score:.2f} by {verdict.judge}"
    elif verdict.awaiting_rating:
        judged = f"awaiting your rating for request {outcome.request_id}"
    elif verdict.error is not None:
        judged = f"no score ({verdict.judge}: {verdict.error})"
    else:
        judged = "not judged"
    console.print(f"quality      {judged}", markup=False, highlight=False)


def _print_attempts(
    records: tuple[PerformanceRecord, ...], console: Console, *, skipped: tuple[str, ...] = ()
) -> None:
    parts = [f"{r.model_id}: {r.error_type or 'answered'}" for r in records]
    parts += [f"{model_id}: skipped (breaker open)" for model_id in skipped]
    console.print(f"attempts     {'; '.join(parts)}", markup=False, highlight=False)


def _outcome_json(outcome: CompletionOutcome) -> dict[str, Any]:
    return {
        "request_id": outcome.request_id,
        "model_id": outcome.model_id,
        "text": outcome.text,
        "cost_usd": outcome.completion.cost_usd,
        "verdict": outcome.verdict.context(),
        "records": [r.model_dump(mode="json") for r in outcome.records],
    }


def _sync_handler(
    environ: Mapping[str, str] | None, transport: httpx.AsyncBaseTransport | None
) -> Handler:
    async def handle(args: argparse.Namespace, console: Console) -> None:
        from selection.catalog_sync import OPENROUTER_API, sync_openrouter_catalog
        from selection.clock import SystemClock
        from selection.providers import default_http_client

        catalog = _load_catalog(args.catalog)
        base_url = _environ(environ).get("OPENROUTER_BASE_URL") or OPENROUTER_API
        only: list[str] = args.only or []
        async with default_http_client(transport=transport) as http:
            report = await sync_openrouter_catalog(
                catalog,
                http,
                today=SystemClock().now().date(),
                base_url=base_url,
                add_new=not args.no_new,
                new_filter=(lambda model_id: any(t in model_id for t in only)) if only else None,
            )
        print_sync_report(report, console)
        output = args.output or args.catalog
        if output:
            catalog.save(output)
            console.print(f"saved {len(catalog)} models to {output}", markup=False)
        else:
            console.print("not saved: pass --output FILE, or --catalog FILE to update it in place")

    return handle


def print_sync_report(report: SyncReport, console: Console, *, limit: int = 20) -> None:
    """Print what a sync added (releases), updated, left out and could not use."""
    console.print(
        f"{len(report.added)} added, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged, {len(report.new_not_added)} new not added, "
        f"{len(report.skipped)} skipped, {len(report.missing)} no longer listed",
        highlight=False,
    )
    for spec in report.added[:limit]:
        price = (
            "price unknown"
            if spec.input_cost_per_1k_tokens is None or spec.output_cost_per_1k_tokens is None
            else f"${spec.input_cost_per_1k_tokens:g}/${spec.output_cost_per_1k_tokens:g} per 1k"
        )
        console.print(
            f"  released {spec.id} ({spec.context_length:,} tokens, {price})",
            markup=False,
            highlight=False,
        )
    for update in report.updated[:limit]:
        changes = ", ".join(f"{k} {old} -> {new}" for k, (old, new) in update.changes.items())
        console.print(f"  updated  {update.model_id}: {changes}", markup=False, highlight=False)
    for model_id in report.missing[:limit]:
        console.print(f"  not listed by OpenRouter: {model_id}", markup=False, highlight=False)
    shown = len(report.added[:limit]) + len(report.updated[:limit])
    if len(report.added) + len(report.updated) > shown:
        console.print(f"  ... and {len(report.added) + len(report.updated) - shown} more")
