"""core.contract's names load from their modules on first use: the map must name every model once,
in the module that defines it, and nothing else."""

from __future__ import annotations

import importlib
import inspect

import pytest
from pydantic import BaseModel

from core import contract


def test_every_model_is_named_once_in_the_module_that_defines_it():
    named = [name for names in contract.MODULES.values() for name in names]
    assert len(named) == len(set(named))
    for module_name, names in contract.MODULES.items():
        module = importlib.import_module(f"core.contract.{module_name}")
        defined = {n for n, v in vars(module).items() if inspect.isclass(v) and issubclass(v, BaseModel)
                   and v.__module__ == module.__name__}
        assert defined == {n for n in names if inspect.isclass(getattr(module, n))}, module_name
        for name in names:
            assert getattr(contract, name) is getattr(module, name)


def test_a_name_the_contract_does_not_have_is_an_attribute_error():
    with pytest.raises(AttributeError):
        contract.NoSuchModel  # noqa: B018
    assert not hasattr(contract, "BaseModel")
