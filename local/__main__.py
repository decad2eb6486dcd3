"""`python -m local` (what `make run` runs): the whole system on http://127.0.0.1:${PORT:-3000}."""

from __future__ import annotations

import argparse
import logging
import os
import signal
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

Demo logins (sub, groups, what they can do):
{users}{seeded}

Mint a token and call the API:
  TOKEN=$(curl -s -X POST {url}/dev/token -H 'content-type: application/json' \\
    -d '{{"sub":"cand-001","groups":["candidate"]}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  curl -s {url}/applications -H "Authorization: Bearer $TOKEN"

Ctrl-C stops.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "0")),
                        help="port of the embedded AWS (default: any free port)")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo applications")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("werkzeug", "botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    # SIGTERM behaves like Ctrl-C (also when started in the background, where SIGINT starts ignored).
    # Raising from the handler, rather than setting a threading.Event there, cannot deadlock.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    stack = LocalStack(port=args.port, host=args.host, moto_port=args.moto_port, seed_demo=not args.no_seed)
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


if __name__ == "__main__":
    main()
