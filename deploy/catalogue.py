"""The requirement catalogue's versions in a deployed table, outside any function (a seed step, not code):

    python -m deploy.catalogue seed --stack-name exam-materials        # make seed-catalogue
    python -m deploy.catalogue publish --stack-name exam-materials --file new.json   # make publish-catalogue

`seed` writes deploy/catalogue.json as version 1 if the table has no catalogue yet: conditional, so a
second seed, or two racing, write nothing (`make deploy-web` runs it too; the local stack and the tests
seed the same file). `publish` makes a whole file the next version (new exam sites or regions, a new
category: what the office's editor does not change), conditional on the version it follows, so it never
overwrites a change of the office made meanwhile; it names who published it.

The items are core.db.catalogue's (its pure request builders, sent here with boto3), so there is one key
design whoever writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "deploy" / "catalogue.json"
ATTEMPTS = 8


def _functions_on_path() -> None:
    functions = str(ROOT / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)


def seed_data() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _send(dynamodb, items: list[dict]) -> bool:
    """The transaction; False if a condition failed (someone else's version is there)."""
    try:
        dynamodb.transact_write_items(TransactItems=items)
        return True
    except dynamodb.exceptions.TransactionCanceledException:
        return False


def seed(dynamodb, table: str, data: dict | None = None, by: str = "seed") -> bool:
    """Version 1 if the table has no catalogue yet; True if this call wrote it."""
    _functions_on_path()
    from core.catalog import Catalog, CatalogueVersion
    from core.db.catalogue import publish_items

    data = data if data is not None else seed_data()
    Catalog(data)  # a catalogue, or ValueError before anything is written
    return _send(dynamodb, publish_items(CatalogueVersion(1, data, by, _now(), {"action": "seed"}), table))


def current(dynamodb, table: str) -> int | None:
    _functions_on_path()
    from core.db import keys

    item = dynamodb.get_item(TableName=table, Key=keys.key(keys.CATALOGUE, keys.CURRENT), ConsistentRead=True).get("Item")
    return int(item["version"]["N"]) if item else None


def publish(dynamodb, table: str, data: dict, by: str, note: str = "") -> int:
    """`data` as the next version; returns its number. Decided again if another version came first."""
    _functions_on_path()
    from core.catalog import Catalog, CatalogueVersion
    from core.db.catalogue import publish_items

    Catalog(data)
    for _ in range(ATTEMPTS):
        number = (current(dynamodb, table) or 0) + 1
        change = {"action": "publish", **({"note": note} if note else {})} if number > 1 else {"action": "seed"}
        if _send(dynamodb, publish_items(CatalogueVersion(number, data, by, _now(), change), table)):
            return number
    raise RuntimeError("the catalogue kept changing meanwhile; try again")


def main(argv: list[str] | None = None) -> None:
    import boto3

    parser = argparse.ArgumentParser(prog="python -m deploy.catalogue", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("seed", "publish"))
    parser.add_argument("--stack-name", help="the deployed stack (its TableName output)")
    parser.add_argument("--table", help="the table, instead of a stack's")
    parser.add_argument("--region", default=None, help="default: the AWS CLI's configured region")
    parser.add_argument("--endpoint-url", default=None, help="e.g. the local stack's moto (GET /dev/aws)")
    parser.add_argument("--file", type=Path, help="publish: the catalogue JSON to publish")
    parser.add_argument("--by", default="operator", help="publish: who publishes it (shown in the history)")
    parser.add_argument("--note", default="", help="publish: what it changes")
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    table = args.table
    if not table:
        if not args.stack_name:
            parser.error("--stack-name or --table")
        (stack,) = session.client("cloudformation").describe_stacks(StackName=args.stack_name)["Stacks"]
        table = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}["TableName"]
    dynamodb = session.client("dynamodb", endpoint_url=args.endpoint_url)
    if args.action == "seed":
        wrote = seed(dynamodb, table)
        sys.stdout.write(f"catalogue version 1 {'written' if wrote else 'already there: nothing written'} ({table})\n")
    else:
        if not args.file:
            parser.error("publish needs --file")
        number = publish(dynamodb, table, json.loads(args.file.read_text(encoding="utf-8")), args.by, args.note)
        sys.stdout.write(f"catalogue version {number} published ({table})\n")


if __name__ == "__main__":
    main()
