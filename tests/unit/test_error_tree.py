"""One exception tree: every error esante defines derives from EsanteError, and the tree
drawn in ``esante/errors.py`` names every branch."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import esante
import esante.errors
from esante.errors import EsanteError

# internal exceptions that never leave their module (caught and turned into esante errors)
INTERNAL = {
    "esante.cda.validate._compiler.SchematronCompileError": "caught by the validator, "
    "reported as an 'engine' finding",
    "esante.cli._usage.FrenchUsageError": "click's own usage error, printed in French by "
    "the root command group; never raised outside the CLI",
    "esante.web.body_limit._BodyTooLargeError": "raised into a route reading a body past "
    "the request limit, after the 413 went out; caught by the same middleware",
}


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(esante.__path__, "esante."):
        if ".migrations" in info.name:
            continue  # Alembic scripts run only under Alembic
        names.append(info.name)
    return names


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


def test_every_error_derives_from_esante_error() -> None:
    outside = [
        name
        for name, cls in _exception_classes().items()
        if not issubclass(cls, EsanteError) and name not in INTERNAL
    ]
    assert outside == []


def test_the_drawn_tree_names_every_branch() -> None:
    doc = esante.errors.__doc__ or ""
    branches = {
        cls.__name__
        for cls in _exception_classes().values()
        if issubclass(cls, EsanteError) and EsanteError in cls.__bases__
    }
    missing = sorted(b for b in branches if b not in doc)
    assert missing == [], f"add these branches to the tree in esante/errors.py: {missing}"
