"""`local_stack`: the `make run` stack, started once per session as a subprocess (`python -m local`),
so the environment it sets for the handlers (AWS_ENDPOINT_URL, TABLE_NAME...) never leaks into other
tests. `embedded_aws`: only its moto server, in-process, with the template's resources.

    def test_something(local_stack):
        headers = local_stack.auth("cand-001", ["candidate"])
        requests.get(f"{local_stack.url}/applications", headers=headers)
        local_stack.client("dynamodb").get_item(TableName=local_stack.name("AppTable"), ...)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from local.moto_server import MotoServer
from local.stack import client, provision
from local.template import Stack, derive, load_template

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60


@dataclass
class RunningStack:
    url: str
    endpoint_url: str  # the embedded AWS (moto)
    region: str
    names: dict[str, str]  # template logical id -> local physical name
    log: Path

    def token(self, sub: str, groups: list[str], site: str | None = None, region: str | None = None) -> str:
        body = {"sub": sub, "groups": groups, "site": site, "region": region}
        response = requests.post(f"{self.url}/dev/token", json=body, timeout=10)
        response.raise_for_status()
        return response.json()["token"]

    def auth(self, sub: str, groups: list[str], site: str | None = None, region: str | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token(sub, groups, site, region)}"}

    def client(self, service: str, **config):
        """A boto3 client on the stack's moto (botocore Config options as keywords)."""
        return client(service, self.endpoint_url, **config)

    def name(self, logical_id: str) -> str:
        return self.names[logical_id]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the local stack exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not up yet, or too busy starting to answer in time: not yet, not a failure
        time.sleep(0.1)
    pytest.fail(f"the local stack was not healthy within {START_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


@dataclass
class EmbeddedAws:
    """moto's server in this process (the stack's own MotoServer), resources provisioned from the template."""
    server: MotoServer
    stack: Stack

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, service: str, **config):
        return client(service, self.url, **config)


@pytest.fixture(scope="module")
def embedded_aws() -> EmbeddedAws:
    server = MotoServer().start()
    try:
        # moto's backends are global to the process: start from nothing whatever ran before.
        requests.post(f"{server.url}/moto-api/reset", timeout=10).raise_for_status()
        stack = derive(load_template(), {"JwtIssuer": "issuer", "JwtAudience": "audience",
                                         "WebOrigin": "http://127.0.0.1:3000"})
        provision(stack, server.url)
        yield EmbeddedAws(server, stack)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory) -> RunningStack:
    port = free_port()
    log = tmp_path_factory.mktemp("local-stack") / "stack.log"
    # As from a fresh shell: none of the AWS or function settings the unit tests put in os.environ.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "local", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        aws = requests.get(f"{url}/dev/aws", timeout=5).json()
        yield RunningStack(url=url, endpoint_url=aws["endpointUrl"], region=aws["region"],
                           names=aws["resources"], log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
