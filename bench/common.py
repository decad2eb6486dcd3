"""What every row shares: the result shape, order statistics, the machine description, the
environment a function sees, and a sink for the functions' log output."""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass, field

from bench import FUNCTIONS, ROOT

# Goals from the issues; rows without a goal are there to be read, not judged ("info").
GOAL_PROCESS = 1.3  # process_image per image, thumbnail included, vs plain Pillow decode (+turn, +colour) + encode
GOAL_PROCESS_P95 = 1.5  # its p95: the tail on a shared machine is noise as much as code
GOAL_COLD = 1.3  # handler import vs `import boto3`


@dataclass
class Row:
    """One line of the table. ``ratio`` is always figure cost / floor cost: above 1 is slower, bigger
    or dearer than the floor (for rates the floor's rate is divided by the figure's)."""

    row: str
    figure: float | str | None
    floor: float | str | None = None
    ratio: float | None = None
    goal: float | None = None  # a ratio; None: no goal
    unit: str = ""
    verdict: str = "info"
    note: str = ""
    data: dict = field(default_factory=dict)

    def judge(self) -> Row:
        if self.goal is not None and self.ratio is not None:
            self.verdict = "PASS" if self.ratio <= self.goal else "MISS"
        return self

    def as_dict(self) -> dict:
        return asdict(self)


def ratio(cost: float | None, floor: float | None) -> float | None:
    if cost is None or not floor:
        return None
    return cost / floor


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (no interpolation: with 20 samples it is the 19th)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# ---------------------------------------------------------------- machine

def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return None


def machine() -> dict:
    from PIL import features

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "arch": platform.machine(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "pillow": _version("pillow"),
        "libjpeg": features.version("jpg"),
        "zlib": features.version("zlib"),
        "moto": _version("moto"),
        "boto3": _version("boto3"),
        "botocore": _version("botocore"),
        "aws_lambda_powertools": _version("aws-lambda-powertools"),
    }


# ---------------------------------------------------------------- functions' environment

def stack():
    """template.yaml as the local stack derives it (resource names, memory sizes, environment)."""
    from local.template import derive, load_template

    return derive(load_template(), {"JwtIssuer": "https://bench.invalid", "JwtAudience": "bench"})


FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def function_env(logical_id: str | None = None) -> dict[str, str]:
    """What a deployed function finds in its environment: template Globals and, given a function,
    its own variables; credentials that can never reach a real account."""
    functions = stack().functions
    if logical_id:
        env = dict(functions[logical_id].environment)
    else:  # what all functions share
        envs = [f.environment for f in functions.values()]
        env = {k: v for k, v in envs[0].items() if all(e.get(k) == v for e in envs)}
    return {**FAKE_AWS, **env}


def use_function_env() -> None:
    """This process becomes a function's environment (rows 2 and 4 run the handlers in-process).
    Set before any handler module is imported: Powertools reads it at import. X-Ray is off."""
    for var in list(os.environ):
        if var.startswith("AWS_ENDPOINT_URL") or var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            del os.environ[var]
    os.environ.update(function_env())
    os.environ["POWERTOOLS_TRACE_DISABLED"] = "1"


def subprocess_env(logical_id: str) -> dict[str, str]:
    """A fresh interpreter as Lambda starts one for this function: its environment, the markers
    Powertools looks for (Tracer is enabled inside Lambda, as Tracing: Active asks), functions/
    on the path as CodeUri puts it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    spec = stack().functions[logical_id]
    env.update(function_env(logical_id))
    env.update({"LAMBDA_TASK_ROOT": str(FUNCTIONS), "AWS_LAMBDA_FUNCTION_NAME": logical_id,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb), "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
                "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR",
                "PYTHONPATH": os.pathsep.join([str(FUNCTIONS), str(ROOT)])})
    return env


# ---------------------------------------------------------------- log output

class CountingSink(io.TextIOBase):
    """A stdout stand-in that only counts what it is given (CloudWatch Logs bills ingested bytes)."""

    def __init__(self):
        self.bytes = 0
        self.lines = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.bytes += len(text.encode("utf-8"))
        self.lines += text.count("\n")
        return len(text)


@contextlib.contextmanager
def captured_output():
    """Swallow and count what the functions print: Powertools' EMF metrics go through print(), its
    Logger through a StreamHandler bound to the sys.stdout of import time."""
    sink = CountingSink()
    swapped = []
    loggers = [logging.getLogger()] + [lg for lg in logging.Logger.manager.loggerDict.values()
                                       if isinstance(lg, logging.Logger)]
    for lg in loggers:
        for handler in lg.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.__stdout__):
                swapped.append((handler, handler.setStream(sink)))
    try:
        with contextlib.redirect_stdout(sink):
            yield sink
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)
