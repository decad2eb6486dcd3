"""template-china.yaml: template.yaml as the AWS China regions (cn-north-1, cn-northwest-1) accept it,
generated so that one template stays the source. `python -m deploy.china` writes it; a test fails
when the committed file is not what this makes of template.yaml.

What changes, and why (README "Deploy in the China regions"):
- No Cognito (it does not exist there): the `CreateUserPool` branch is taken away, so the API trusts the
  issuer named by JwtIssuer (required): the registration system's accounts (R1) or the exam centre's
  identity platform. Staff MFA is then the `StaffMfa` parameter's rule (core.identity).
- The web client and image links: CloudFront there has no origin access control and no usable default
  domain; the site bucket and the materials bucket (materials/*, samples/*) are each read through an
  origin access identity, and the distribution answers on the operator's
  ICP-licensed domain (WebDomain) with their certificate uploaded to IAM (WebCertificateId). Every
  link, CORS origin and callback that named the distribution's domain names WebDomain instead.
- Image links stay the distribution's signed URLs (core.image_links): CloudFront in China supports
  signed URLs and cookies with key groups (announced for the China regions in October 2020); they are
  on WebDomain like the site, so the pages' CSP needs no bucket host for images there either.
- SMS: SNS sends no SMS there; the domestic gateway channel is the only one (SmsChannel gateway,
  SmsGatewayUrl required).
ARNs and principals are already partition-aware in template.yaml (`${AWS::Partition}`, `${AWS::URLSuffix}`).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "template.yaml"
TARGET = ROOT / "template-china.yaml"
HEADER = """\
# GENERATED from template.yaml by `python -m deploy.china` (deploy/china.py says what it changes and why).
# Do not edit: change template.yaml and run the generator; tests/integration/test_china_template.py fails
# when this file is stale. For the AWS China regions (cn-north-1, cn-northwest-1): README "Deploy in the
# China regions".
"""
# Conditions decided in the China partition: no user pool ever; SMS always through the gateway.
DECIDED = {"CreateUserPool": False, "UseSmsGateway": True}
SITE_DOMAIN = "${WebDistribution.DomainName}"


def _decided(value: Any) -> Any:
    """Every `Fn::If [c, a, b]` on a condition of DECIDED becomes a or b (e.g. the pool is never created
    here), so no branch is left that cannot be reached."""
    if isinstance(value, list):
        return [_decided(v) for v in value]
    if not isinstance(value, dict):
        return value
    if list(value) == ["Fn::If"] and value["Fn::If"][0] in DECIDED:
        return _decided(value["Fn::If"][1 if DECIDED[value["Fn::If"][0]] else 2])
    return {k: _decided(v) for k, v in value.items()}


def _on_web_domain(value: Any) -> Any:
    """`https://${WebDistribution.DomainName}` -> `https://${WebDomain}`: the site's one usable name."""
    if isinstance(value, list):
        return [_on_web_domain(v) for v in value]
    if isinstance(value, str):
        return value.replace(SITE_DOMAIN, "${WebDomain}")
    if isinstance(value, dict):
        return {k: _on_web_domain(v) for k, v in value.items()}
    return value


def _used_conditions(template: dict) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                if key == "Condition" and isinstance(inner, str):
                    found.add(inner)
                elif key == "Fn::If":
                    found.add(inner[0])
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk({k: v for k, v in template.items() if k != "Conditions"})
    # conditions used by other conditions
    for _ in range(3):
        walk([template["Conditions"][c] for c in list(found) if c in template["Conditions"]])
    return found


def _used_parameters(template: dict) -> set[str]:
    text = yaml.safe_dump({k: v for k, v in template.items() if k != "Parameters"})
    return {p for p in template["Parameters"] if p in text}


def china(template: dict) -> dict:
    t = copy.deepcopy(template)
    t["Description"] = ("AWS China regions (cn-north-1, cn-northwest-1), generated from template.yaml: "
                        + t["Description"])
    # -------------------------------------------------------------- identity: an issuer of one's own
    gone = [c for c, holds in DECIDED.items() if not holds]
    t["Resources"] = {lid: r for lid, r in t["Resources"].items() if r.get("Condition") not in gone}
    t["Outputs"] = {name: o for name, o in t["Outputs"].items() if o.get("Condition") not in gone}
    for condition in DECIDED:
        del t["Conditions"][condition]
    t = _decided(t)
    params = t["Parameters"]
    params["JwtIssuer"] = {
        "Type": "String", "AllowedPattern": "^https://[^\\s]+$",
        "Description": "The issuer (iss) the API trusts: the registration system's accounts (R1) or the exam "
                       "centre's identity platform, https://..., with OpenID discovery at "
                       "<issuer>/.well-known/openid-configuration."}
    params["JwtAudience"] = {**params["JwtAudience"], "Description": (
        "The client ids (aud, or client_id of an access token) the API accepts, comma-separated: the web "
        "client's and the registration system's.")}
    del params["JwtAudience"]["Default"]

    # -------------------------------------------------------------- hosting: OAI and the operator's domain
    params["WebDomain"] = {
        "Type": "String", "AllowedPattern": "^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$",
        "Description": "The web client's domain (e.g. review.example.cn): ICP-licensed (ICP备案), pointed at the "
                       "distribution by a CNAME. CloudFront in China serves only such a domain."}
    params["WebCertificateId"] = {
        "Type": "String", "AllowedPattern": "^[A-Z0-9]{10,40}$",
        "Description": "The id of WebDomain's TLS certificate uploaded to IAM (aws iam upload-server-certificate "
                       "--path /cloudfront/ ...): ACM certificates cannot be used by CloudFront in China."}
    resources = t["Resources"]
    config = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    # Each bucket origin (the site's, the images') read through an identity of its own instead of OAC.
    for origin in config["Origins"]:
        name = origin["Id"].capitalize()  # web -> Web, materials -> Materials
        del resources[f"{name}OriginAccessControl"]
        resources[f"{name}OriginAccessIdentity"] = {
            "Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity",
            "Properties": {"CloudFrontOriginAccessIdentityConfig": {"Comment": {"Fn::Sub": f"${{AWS::StackName}} {origin['Id']}"}}}}
        del origin["OriginAccessControlId"]
        origin["S3OriginConfig"] = {"OriginAccessIdentity": {
            "Fn::Sub": f"origin-access-identity/cloudfront/${{{name}OriginAccessIdentity}}"}}
    config.update({"Aliases": [{"Ref": "WebDomain"}], "HttpVersion": "http2", "IPV6Enabled": False,
                   "ViewerCertificate": {"IamCertificateId": {"Ref": "WebCertificateId"}, "SslSupportMethod": "sni-only",
                                         "MinimumProtocolVersion": "TLSv1.2_2021"}})
    skips = resources["WebDistribution"]["Metadata"]["checkov"]["skip"]
    resources["WebDistribution"]["Metadata"]["checkov"]["skip"] = [s for s in skips if s["id"] != "CKV_AWS_174"]
    for policy, sid, identity in (("WebBucketPolicy", "CloudFrontReadsTheSite", "WebOriginAccessIdentity"),
                                  ("MaterialsBucketPolicy", "CloudFrontReadsImages", "MaterialsOriginAccessIdentity")):
        statements = resources[policy]["Properties"]["PolicyDocument"]["Statement"]
        (read,) = [s for s in statements if s.get("Sid") == sid]
        read["Principal"] = {"CanonicalUser": {"Fn::GetAtt": [identity, "S3CanonicalUserId"]}}
        del read["Condition"]
    t = _on_web_domain(t)

    # -------------------------------------------------------------- SMS: the domestic gateway only
    params = t["Parameters"]
    params["SmsChannel"] = {**params["SmsChannel"], "Default": "gateway", "AllowedValues": ["gateway"]}
    params["SmsGatewayUrl"] = {**params["SmsGatewayUrl"], "AllowedPattern": "^https://[^\\s]+$"}
    del params["SmsGatewayUrl"]["Default"]

    # -------------------------------------------------------------- what nothing refers to any more
    t["Conditions"] = {c: v for c, v in t["Conditions"].items() if c in _used_conditions(t)}
    t["Parameters"] = {p: v for p, v in t["Parameters"].items() if p in _used_parameters(t)}
    return t


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render(source: Path = SOURCE) -> str:
    template = china(yaml_parse(source.read_text(encoding="utf-8")))
    return HEADER + yaml.dump(template, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def main() -> None:
    TARGET.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()
