"""A stand-in for the Lambda runtime: imports each function's handler by its dotted name (as Lambda
does with CodeUri functions/ on the path) and invokes it with a small LambdaContext."""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from local.invoke import LambdaContext
from local.template import ACCOUNT_ID, REGION, ROOT, Function

log = logging.getLogger(__name__)


class Runtime:
    """Handlers are imported lazily, so the stack serves whatever functions exist already.

    All functions share this process, so the environment common to them is set once by the stack;
    what differs per function (POWERTOOLS_SERVICE_NAME) is applied while its module is imported,
    which is when Powertools reads it.
    """

    def __init__(self, functions: dict[str, Function], root: Path = ROOT, one_at_a_time: set[str] | None = None):
        self.functions = functions
        # Lambda runs each concurrent invocation in its own process; here they share one. Powertools'
        # HTTP resolvers keep the current event in a class attribute shared by every resolver in the
        # process (BaseRouter.current_event), so two HTTP invocations at once would read each other's
        # request and identity. These functions therefore run one invocation at a time.
        self._one_at_a_time = one_at_a_time or set()
        self._isolation = threading.Lock()
        self._handlers: dict[str, Callable] = {}
        self._warm: set[str] = set()
        self._lock = threading.Lock()
        self._first_call = {name: threading.Lock() for name in functions}
        for code_uri in {f.code_uri for f in functions.values()}:
            path = str((root / code_uri).resolve())
            if path not in sys.path:
                sys.path.insert(0, path)

    def load(self, name: str) -> Callable:
        """The handler, imported on first use; raises (ImportError...) if it does not exist yet."""
        with self._lock:
            if name not in self._handlers:
                spec = self.functions[name]
                module_name, attr = spec.handler.rsplit(".", 1)
                saved = {k: os.environ.get(k) for k in spec.environment}
                os.environ.update(spec.environment)
                try:
                    self._handlers[name] = getattr(importlib.import_module(module_name), attr)
                finally:
                    for key, value in saved.items():
                        if value is None:
                            os.environ.pop(key, None)
                        else:
                            os.environ[key] = value
            return self._handlers[name]

    def context(self, name: str) -> LambdaContext:
        spec = self.functions[name]
        function_name = f"local-{name}"
        return LambdaContext(function_name=function_name, memory_limit_in_mb=spec.memory_mb, timeout_s=spec.timeout_s,
                             invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}")

    def invoke(self, name: str, event: dict):
        if name in self._one_at_a_time:
            with self._isolation:
                return self._invoke(name, event)
        return self._invoke(name, event)

    def _invoke(self, name: str, event: dict):
        handler = self.load(name)
        context = self.context(name)
        if name in self._warm:
            result = handler(event, context)
        else:
            # The first call of a function runs alone, as Lambda's init does: it creates the module's
            # clients, and creating clients from one botocore session is not thread-safe.
            with self._first_call[name]:
                result = handler(event, context)
                self._warm.add(name)
        if context.get_remaining_time_in_millis() == 0:
            log.warning("%s ran longer than its %ss timeout; Lambda would have stopped it", name,
                        self.functions[name].timeout_s)
        return result
