"""`python -m local` (what `make run` runs): the whole system on http://127.0.0.1:${PORT:-3000}.

Its state lives in memory only (moto's tables, queues and buckets): stopping it forgets everything.
The log shows warnings and the stack's own events; LOG_LEVEL=debug adds every request.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import socket
import sys
import time

from local.seed import DEMO_USERS
from local.stack import LocalStack


def banner(stack: LocalStack) -> str:
    url = stack.url
    users = "\n".join(
        f"  {u.sub:<10} {','.join(u.groups):<16} {u.note}" for u in DEMO_USERS)
    seeded = "" if stack.seeded else "\n  (demo applications not seeded yet: see the warnings above)"
    return f"""
Exam materials review, local stack (moto at {stack.moto.url}, no Docker)
  API + web client  {url}
  OpenAPI           {url}/openapi.json
  Health            {url}/healthz

State lives in memory only (moto, in this process): stopping the stack forgets every application,
upload and signing key, so tokens from an earlier run no longer work. 数据仅保存在内存中,停止即清空。

Demo logins (sub, groups, what they can do); the web page signs them in through the stand-in for the
registration system's accounts, an OIDC issuer at {url}/oidc (consent page, code + PKCE):
{users}{seeded}
The registration system (the registrar role) is a client: POST {url}/oauth2/token, client credentials.

Mint a token and call the API:
  TOKEN=$(curl -s -X POST {url}/dev/token -H 'content-type: application/json' \\
    -d '{{"sub":"cand-001","groups":["candidate"]}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s {url}/applications -H "Authorization: Bearer $TOKEN"

Ctrl-C stops.
"""


def cannot_listen(host: str, port: int, setting: str) -> str | None:
    """Why `port` cannot be listened on, in English and Chinese; None when it can (or is 0: any)."""
    if not port:
        return None
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is free
        try:
            probe.bind((host, port))
            return None
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (f"port {port} is in use; set {setting}=… (e.g. make run {setting}={port + 1}) or stop "
                        f"the other process.\n端口 {port} 已被占用;请设置 {setting}=…(例如 make run "
                        f"{setting}={port + 1})或停止占用该端口的进程。")
            return f"cannot listen on {host}:{port}: {e.strerror}\n无法监听 {host}:{port}:{e.strerror}"


def log_level() -> int:
    name = os.environ.get("LOG_LEVEL", "INFO").upper()
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else logging.INFO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "0")),
                        help="port of the embedded AWS (default: any free port)")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo applications")
    parser.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="a template parameter over its default, e.g. ThrottleImagesRate=5 (repeatable)")
    parser.add_argument("--throttle-scale", type=float, default=None, metavar="X",
                        help="every Throttle* parameter at X times its default (the load test's scaled peak)")
    args = parser.parse_args(argv)
    parameters = {}
    if args.throttle_scale is not None:
        from local.template import load_template
        from local.throttle import scaled

        parameters.update(scaled(load_template()["Parameters"], args.throttle_scale))
    for item in args.parameter:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"--parameter {item!r}: expected NAME=VALUE")
        parameters[name] = value

    for port, setting in ((args.port, "PORT"), (args.moto_port, "MOTO_PORT")):
        problem = cannot_listen(args.host, port, setting)
        if problem:
            print(problem, file=sys.stderr)
            return 2

    logging.basicConfig(level=log_level(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, log_level()))

    # SIGTERM behaves like Ctrl-C (also when started in the background, where SIGINT starts ignored).
    # Raising from the handler, rather than setting a threading.Event there, cannot deadlock.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    stack = LocalStack(port=args.port, host=args.host, moto_port=args.moto_port, seed_demo=not args.no_seed,
                       parameters=parameters)
    try:
        stack.start()
        print(banner(stack), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
