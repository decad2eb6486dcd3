"""A cold start imports what it uses. Two Powertools packages import every sibling from their
__init__: `event_handler` (AppSync, AppSync Events, Bedrock agents, VPC Lattice, function URLs, and
asyncio with them) and `utilities.data_classes` (some forty event shapes), ~25 ms of a ~210 ms import
for an HTTP API function that uses one resolver and one event shape (bench row 3).

Importing this module registers those packages without running their __init__: a name the __init__
would have re-exported is loaded from the one submodule that defines it, on first use (read from the
__init__'s own `from .x import Name` lines, so nothing is listed by hand); submodules import as usual.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys

PACKAGES = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")


def _exports(spec) -> dict[str, str]:
    """name -> absolute submodule, from the package __init__'s `from .sub import name` statements."""
    tree = ast.parse(spec.loader.get_source(spec.name))
    out = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            source = node.module if node.level == 0 else f"{spec.name}.{node.module}"
            for alias in node.names:
                out[alias.asname or alias.name] = source
    return out


def _register(package: str) -> None:
    if package in sys.modules:
        return
    spec = importlib.util.find_spec(package)
    if spec is None:
        return  # not installed here: nothing to make lean
    module = importlib.util.module_from_spec(spec)
    exports = _exports(spec)

    def __getattr__(name: str):
        source = exports.get(name)
        if source is None:
            raise AttributeError(name)  # a submodule: the import system loads it
        value = getattr(importlib.import_module(source), name)
        setattr(module, name, value)
        return value

    vars(module).update(__getattr__=__getattr__, __all__=list(exports))
    sys.modules[package] = module


for _package in PACKAGES:
    _register(_package)
