"""template.yaml as CloudFormation receives it: the SAM transform, offline, with the code locations
`sam package` would write. `python -m deploy.transform > out.json` (what `make scan` gives checkov)."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"


def load(path: Path = TEMPLATE) -> dict:
    return yaml_parse(path.read_text(encoding="utf-8"))


def transform(template: dict | None = None, parameters: dict | None = None) -> dict:
    sam = copy.deepcopy(template if template is not None else load())
    sam["Globals"]["Function"]["CodeUri"] = "s3://artifacts/functions.zip"
    for logical_id, resource in sam["Resources"].items():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            resource["Properties"]["ContentUri"] = f"s3://artifacts/{logical_id}.zip"
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    return Translator(None, Parser(), boto_session=session).translate(
        sam, parameters or {}, get_managed_policy_map=lambda: {})


if __name__ == "__main__":
    json.dump(transform(), sys.stdout, indent=1)
