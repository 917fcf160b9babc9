"""One exception tree: every error a package defines descends from ``GenesisError``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

from selection import GenesisError

PACKAGES = ("selection", "agents", "hive", "scenarios", "server")


def _modules() -> list[str]:
    names = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            names.append(info.name)
    return names


def _exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module_name in _modules():
        module = importlib.import_module(module_name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module_name:
                found[f"{module_name}.{obj.__qualname__}"] = obj
    return [found[name] for name in sorted(found)]


EXCEPTIONS = _exceptions()


def test_the_packages_define_errors_at_all():
    assert len(EXCEPTIONS) >= 20


@pytest.mark.parametrize("exc", EXCEPTIONS, ids=lambda e: f"{e.__module__}.{e.__qualname__}")
def test_every_error_descends_from_the_one_root(exc: type[BaseException]) -> None:
    private = exc.__name__.startswith("_")
    assert private or issubclass(exc, GenesisError), exc.__mro__


def test_provider_errors_carry_their_classification_on_the_base_class():
    from selection.errors import ErrorType, ProviderHTTPError, ProviderTimeout, RateLimited

    assert ProviderTimeout("slow", provider="p").error_type is ErrorType.TIMEOUT
    assert ProviderTimeout("slow", provider="p").retryable
    assert RateLimited("x", provider="p").retryable
    assert ProviderHTTPError("x", provider="p", status_code=401).error_type is (
        ErrorType.AUTHENTICATION
    )
    assert not ProviderHTTPError("x", provider="p", status_code=401).retryable
