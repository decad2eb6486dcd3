"""template-china.yaml: generated from template.yaml (deploy/china.py), committed, and what the AWS
China regions accept: cfn-lint reports nothing for cn-north-1 and cn-northwest-1; no Cognito; the site
read through an origin access identity on the operator's ICP-licensed domain; SMS through the domestic
gateway; every ARN and principal partition-aware. Offline: no AWS call."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from cfnlint.api import lint
from samtranslator.yaml_helper import yaml_parse

from deploy import china
from deploy.transform import transform

ROOT = Path(__file__).resolve().parents[2]
CHINA = ROOT / "template-china.yaml"
PARAMETERS = {"JwtIssuer": "https://accounts.exam.example.cn/oidc", "JwtAudience": "web,registration",
              "WebDomain": "review.exam.example.cn", "WebCertificateId": "ASCAEXAMPLECERTIFICATE1",
              "SmsGatewayUrl": "https://sms.example.cn/v1/send"}


@pytest.fixture(scope="module")
def text() -> str:
    return CHINA.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def template(text) -> dict:
    return yaml_parse(text)


@pytest.fixture(scope="module")
def cfn(template) -> dict:
    return transform(copy.deepcopy(template), PARAMETERS)


def test_the_committed_china_template_is_what_the_generator_makes_of_template_yaml(text):
    assert text == china.render(), "template-china.yaml is stale: run `python -m deploy.china` and commit it"


def test_cfn_lint_finds_nothing_in_the_china_regions(text):
    assert [str(m) for m in lint(text, regions=["cn-north-1", "cn-northwest-1"]) if m.rule.id[0] in "EW"] == []


def test_cfn_lint_finds_the_global_template_uncreatable_there_as_the_reason_for_this_one():
    # the global template still names services the China regions lack: that is why this file exists
    found = {m.rule.id for m in lint((ROOT / "template.yaml").read_text(encoding="utf-8"), regions=["cn-north-1"])}
    assert "E3006" in found


def test_no_cognito_and_the_issuer_is_required(template, cfn):
    kinds = {r["Type"] for r in cfn["Resources"].values()}
    assert not [k for k in kinds if k.startswith("AWS::Cognito::")]
    assert "AWS::CloudFront::OriginAccessControl" not in kinds
    assert "Default" not in template["Parameters"]["JwtIssuer"] and "Default" not in template["Parameters"]["JwtAudience"]
    assert "CreateUserPool" not in json.dumps(template)
    scheme = cfn["Resources"]["HttpApi"]["Properties"]["Body"]["components"]["securitySchemes"]["JwtAuthorizer"]
    config = scheme["x-amazon-apigateway-authorizer"]["jwtConfiguration"]
    assert config["issuer"] == {"Ref": "JwtIssuer"}
    env = cfn["Resources"]["StatusFunction"]["Properties"]["Environment"]["Variables"]
    assert env["STAFF_MFA"] == {"Ref": "StaffMfa"} and env["GROUPS_CLAIM"] == {"Ref": "JwtGroupsClaim"}
    assert template["Parameters"]["StaffMfa"]["Default"] == "amr"


def test_the_site_is_read_through_an_origin_access_identity_on_the_operators_domain(cfn):
    config = cfn["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]}
    assert set(origins) == {"web", "materials"}
    for origin, identity in (("web", "WebOriginAccessIdentity"), ("materials", "MaterialsOriginAccessIdentity")):
        assert "OriginAccessControlId" not in origins[origin]
        assert origins[origin]["S3OriginConfig"] == {"OriginAccessIdentity": {
            "Fn::Sub": f"origin-access-identity/cloudfront/${{{identity}}}"}}
    assert not [lid for lid, r in cfn["Resources"].items() if r["Type"] == "AWS::CloudFront::OriginAccessControl"]
    assert config["Aliases"] == [{"Ref": "WebDomain"}]
    assert config["ViewerCertificate"]["IamCertificateId"] == {"Ref": "WebCertificateId"}
    read = [s for s in cfn["Resources"]["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
            if s.get("Sid") == "CloudFrontReadsTheSite"]
    assert read == [{"Sid": "CloudFrontReadsTheSite", "Effect": "Allow", "Action": "s3:GetObject",
                     "Principal": {"CanonicalUser": {"Fn::GetAtt": ["WebOriginAccessIdentity", "S3CanonicalUserId"]}},
                     "Resource": {"Fn::Sub": "${WebBucket.Arn}/*"}}]
    # image links: still signed by the key group (CloudFront in China has signed URLs), read by the identity
    (images,) = [s for s in cfn["Resources"]["MaterialsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
                 if s.get("Sid") == "CloudFrontReadsImages"]
    assert images["Principal"] == {"CanonicalUser": {"Fn::GetAtt": ["MaterialsOriginAccessIdentity", "S3CanonicalUserId"]}}
    assert "Condition" not in images
    (signed,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "materials/*"]
    assert signed["TrustedKeyGroups"] == [{"Ref": "ImageKeyGroup"}]
    env = cfn["Resources"]["StatusFunction"]["Properties"]["Environment"]["Variables"]
    assert env["IMAGE_LINKS"] == "cloudfront"
    assert env["IMAGE_ORIGIN"] == {"Fn::If": ["HasWebOrigin", {"Ref": "WebOrigin"}, {"Fn::Sub": "https://${WebDomain}"}]}
    # links, CORS and the status messages name the operator's domain, never the distribution's
    assert "WebDistribution.DomainName" not in json.dumps(cfn)
    uploads = cfn["Resources"]["UploadsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"]
    assert uploads[0] == {"Fn::Sub": "https://${WebDomain}"}


def test_sms_goes_through_the_gateway_only(template, cfn):
    assert template["Parameters"]["SmsChannel"]["AllowedValues"] == ["gateway"]
    env = cfn["Resources"]["NotifyFunction"]["Properties"]["Environment"]["Variables"]
    assert env["SMS_CHANNEL"] == {"Ref": "SmsChannel"}
    role = cfn["Resources"]["NotifyFunctionRole"]["Properties"]
    statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]
    assert not [s for s in statements if "Fn::If" in s]  # decided here: the gateway, always
    (credentials,) = [s for s in statements if s.get("Sid") == "SmsGatewayCredentials"]
    assert credentials["Action"] == "secretsmanager:GetSecretValue"
    assert not [s for s in statements if "sns:Publish" in str(s.get("Action"))]
    assert "UseSmsGateway" not in template["Conditions"]


@pytest.mark.parametrize("name", ["template.yaml", "template-china.yaml"])
def test_every_arn_and_service_domain_is_partition_aware(name):
    text = (ROOT / name).read_text(encoding="utf-8")
    assert not re.findall(r"arn:aws(-cn)?:", text)  # ${AWS::Partition}, never a literal partition
    assert not re.findall(r"\.amazonaws\.com(\.cn)?[/\"]", text)  # ${AWS::URLSuffix}
    assert "amazonaws.com.cn" not in text


def test_deploy_web_writes_a_config_json_that_signs_in_through_the_stacks_issuer():
    from deploy.web import site_config

    outputs = {"ApiUrl": "https://abc.execute-api.cn-north-1.amazonaws.com.cn/", "WebUrl": "https://review.exam.example.cn/"}
    config = site_config(outputs, {**PARAMETERS, "JwtGroupsClaim": "roles"})
    assert config == {"apiUrl": "https://abc.execute-api.cn-north-1.amazonaws.com.cn", "auth": {
        "type": "oidc", "issuer": PARAMETERS["JwtIssuer"], "clientId": "web", "redirectUri": "https://review.exam.example.cn/",
        "scopes": ["openid", "profile"], "groupsClaim": "roles"}}
    # the stack's own pool: the Hosted UI, as before
    pool = site_config({**outputs, "WebClientId": "c1", "AuthDomain": "https://p.auth.us-east-1.amazoncognito.com"})
    assert pool["auth"]["type"] == "cognito" and pool["auth"]["clientId"] == "c1"
