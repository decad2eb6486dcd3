"""`make deploy-web`: after `sam deploy`, put the web client where CloudFront serves it.

Reads the stack's outputs, uploads `web/` to the site bucket with a Cache-Control per kind of file,
writes the `config.json` the page reads (API URL and sign-in settings), uploads the sample pictures to
the materials bucket (R4), seeds the requirement catalogue's first version if the table has none
(deploy/catalogue.py; the catalogue names those pictures), removes files no longer in `web/`, and
invalidates CloudFront's cache.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
SAMPLES = ROOT / "samples"
SCOPES = ["openid", "email", "profile"]  # the template's WebClient AllowedOAuthScopes
OIDC_SCOPES = ["openid", "profile"]  # what the page asks an issuer of the deployer's own for

# File names are not fingerprinted (plain ES modules), so the page and its modules revalidate every
# time (a 304 from CloudFront when unchanged): a deploy never mixes an old module with a new page.
# Heavy assets that change only with a vendored version may be cached for a day.
REVALIDATE = "no-cache"
CACHE_A_DAY = "public, max-age=86400"
_REVALIDATED = {".html", ".js", ".mjs", ".css", ".json", ".map", ".txt", ""}


def cache_control(path: str) -> str:
    return REVALIDATE if Path(path).suffix.lower() in _REVALIDATED else CACHE_A_DAY


def content_type(path: str) -> str:
    kind = {".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
            ".json": "application/json"}.get(Path(path).suffix.lower()) or mimetypes.guess_type(path)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind == "application/json" else kind


def site_config(outputs: dict[str, str], parameters: dict[str, str] | None = None) -> dict:
    """config.json: what the page needs to call the API and sign in (authorization code + PKCE): the
    stack's own pool through its Hosted UI, or the issuer the stack was given (JwtIssuer: the
    registration system's accounts, R1), found by OIDC discovery. Its web client is the first of
    JwtAudience; the groups claim is JwtGroupsClaim."""
    config: dict = {"apiUrl": outputs["ApiUrl"].rstrip("/")}
    parameters = parameters or {}
    if "WebClientId" in outputs:
        config["auth"] = {"type": "cognito", "domain": outputs["AuthDomain"].rstrip("/"),
                          "clientId": outputs["WebClientId"], "redirectUri": outputs["WebUrl"], "scopes": SCOPES}
    elif parameters.get("JwtIssuer"):
        config["auth"] = {"type": "oidc", "issuer": parameters["JwtIssuer"],
                          "clientId": parameters["JwtAudience"].split(",")[0].strip(), "redirectUri": outputs["WebUrl"],
                          "scopes": OIDC_SCOPES, "groupsClaim": parameters.get("JwtGroupsClaim") or "cognito:groups"}
    return config


def files(folder: Path) -> dict[str, Path]:
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".") and p.name != "config.json"}


def upload_site(s3, bucket: str, config: dict, folder: Path = WEB) -> list[str]:
    """Every file of `folder` plus config.json; objects not in `folder` any more are deleted."""
    wanted = files(folder)
    for key, path in wanted.items():
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(key),
                      CacheControl=cache_control(key))
    s3.put_object(Bucket=bucket, Key="config.json", Body=json.dumps(config, indent=1).encode(),
                  ContentType=content_type("config.json"), CacheControl=REVALIDATE)
    keep = set(wanted) | {"config.json"}
    stale = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for o in page.get("Contents", []) if o["Key"] not in keep]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start:start + 1000]]})
    return sorted(keep)


def upload_samples(s3, bucket: str, folder: Path = SAMPLES) -> int:
    pictures = sorted(folder.glob("*.png"))
    for picture in pictures:
        s3.put_object(Bucket=bucket, Key=f"samples/{picture.name}", Body=picture.read_bytes(),
                      ContentType="image/png", CacheControl=CACHE_A_DAY)
    return len(pictures)


def stack_outputs(cloudformation, stack_name: str) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def stack_parameters(cloudformation, stack_name: str) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.web", description=__doc__)
    parser.add_argument("--stack-name", required=True)
    parser.add_argument("--region", default=None, help="default: the AWS CLI's configured region")
    args = parser.parse_args(argv)
    session = boto3.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack_name)
    s3 = session.client("s3")
    config = site_config(outputs, stack_parameters(session.client("cloudformation"), args.stack_name))
    keys = upload_site(s3, outputs["WebBucketName"], config)
    samples = upload_samples(s3, outputs["MaterialsBucketName"])
    from deploy import catalogue

    seeded = catalogue.seed(session.client("dynamodb"), outputs["TableName"])
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["WebDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time())})
    sys.stdout.write(f"{len(keys)} files and {samples} sample pictures uploaded; site: {outputs['WebUrl']}\n")
    sys.stdout.write(f"requirement catalogue: {'version 1 seeded' if seeded else 'already there'}\n")
    sys.stdout.write(f"config.json: {json.dumps(config, ensure_ascii=False)}\n")


if __name__ == "__main__":
    main()
