"""template.yaml -> what the local stack creates, routes and invokes.

Pure: `derive(template, parameters)` takes the parsed template and returns plain data (boto3 request
arguments for the resources, the functions with their merged Globals, the HTTP routes, the SQS event
sources and the table's stream's, the JWT authorizer). Nothing here is written by hand a second time, so the local stack
cannot drift from what `sam deploy` builds.

Conditions are evaluated as CloudFormation does (a resource whose condition is false does not exist;
`Fn::If` picks a branch; `AWS::NoValue` removes the property). Resource types the local stack has no
stand-in for are ignored, except where their absence must show: there is no CloudFront here (the
gateway serves `web/` itself, at the WebOrigin parameter), so a value built from a distribution's
attributes, such as its origin in a CORS list, is left out, and a bucket that is only a distribution's
origin is not created. Cognito is not emulated either: the local stack passes its own issuer
(local.auth) as JwtIssuer, which is the template's "bring your own issuer" branch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"  # moto supports S3 (incl. presigned POST), SQS and DynamoDB best here


def load_template(path: Path = TEMPLATE_PATH) -> dict:
    """Parse with a loader that understands the short CloudFormation tags (!Ref, !Sub, !GetAtt)."""
    return yaml_parse(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Route:
    method: str  # upper case, or ANY
    path: str  # the template's path, e.g. /applications/{id}
    function: str  # logical id
    authorizer: str | None  # None: the route is open (Auth: Authorizer: NONE)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @cached_property
    def _pattern(self) -> re.Pattern:
        parts = []
        for segment in self.path.strip("/").split("/"):
            name = segment[1:-1] if segment.startswith("{") and segment.endswith("}") else None
            if name and name.endswith("+"):
                parts.append(f"(?P<{name[:-1]}>.+)")
            elif name:
                parts.append(f"(?P<{name}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("^/" + "/".join(parts) + "$")

    @property
    def specificity(self) -> tuple:
        """API Gateway prefers literal segments over {params} over {greedy+}, and a method over ANY."""
        kinds = tuple(0 if not s.startswith("{") else 2 if s.endswith("+}") else 1 for s in self.path.split("/"))
        return (kinds, self.method == "ANY")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in (method, "ANY"):
            return None
        found = self._pattern.match(path)
        return found.groupdict() if found else None


@dataclass(frozen=True)
class SqsSource:
    function: str
    queue: str  # logical id of the queue
    batch_size: int
    batching_window: int
    report_batch_item_failures: bool


@dataclass(frozen=True)
class StreamSource:
    """A function fed by a table's stream (a DynamoDB event): its filter patterns and batching."""

    function: str
    table: str  # logical id of the table whose stream it reads
    filters: tuple[dict, ...]  # the FilterCriteria patterns, parsed; none: every record
    batch_size: int
    starting_position: str  # LATEST or TRIM_HORIZON
    report_batch_item_failures: bool
    maximum_retry_attempts: int  # then the batch is dropped (its place recorded at the OnFailure destination)
    on_failure: str | None  # logical id of the OnFailure queue


@dataclass(frozen=True)
class Schedule:
    """An EventBridge Scheduler schedule whose target is one of the template's queues: its message every
    `every_s` seconds (`rate(...)`)."""

    name: str  # logical id
    queue: str  # logical id of the target queue
    message: str  # the target's Input
    every_s: int

    @property
    def short_name(self) -> str:
        """`RemindersSchedule` -> `reminders` (the local stack's POST /dev/run/{short name})."""
        return self.name.removesuffix("Schedule").lower()


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}


def _schedule(resolver: Resolver, logical_id: str, props: dict) -> Schedule:
    expression = resolver.resolve(props["ScheduleExpression"])
    found = _RATE.match(expression)
    if not found:
        raise KeyError(f"{logical_id}: only rate(...) schedules are emulated locally, not {expression}")
    target = props["Target"]
    queue, attribute = _get_att_target(target["Arn"])
    if attribute != "Arn" or resolver.resources[queue]["Type"] != "AWS::SQS::Queue":
        raise KeyError(f"{logical_id}: only a queue of the template (!GetAtt Queue.Arn) is emulated as a target")
    return Schedule(name=logical_id, queue=queue, message=resolver.resolve(target.get("Input", "{}")),
                    every_s=int(found.group(1)) * _UNIT_S[found.group(2).rstrip("s")])


@dataclass(frozen=True)
class Function:
    logical_id: str
    handler: str  # dotted, e.g. status.app.lambda_handler
    code_uri: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]


@dataclass(frozen=True)
class Authorizer:
    name: str
    identity_source: str  # e.g. $request.header.Authorization
    issuer: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class Stack:
    tables: list[dict]  # dynamodb.create_table kwargs + TimeToLiveSpecification
    queues: list[dict]  # sqs.create_queue kwargs, dead-letter queues first
    buckets: list[dict]  # {Bucket, PublicAccessBlockConfiguration?, CORSConfiguration?, NotificationConfiguration?}
    functions: dict[str, Function]
    routes: list[Route]  # most specific first
    sqs_sources: list[SqsSource]
    authorizers: dict[str, Authorizer]
    cors: dict[str, Any] = field(default_factory=dict)  # the HttpApi's CorsConfiguration, resolved
    names: dict[str, str] = field(default_factory=dict)  # logical id -> local physical name
    stream_sources: list[StreamSource] = field(default_factory=list)  # functions fed by a table's stream
    # The HttpApi's throttling, resolved: route key -> (rate, burst), and the default route settings'
    throttles: dict[str, tuple[float, int]] = field(default_factory=dict)
    default_throttle: tuple[float, int] | None = None
    schedules: list[Schedule] = field(default_factory=list)  # EventBridge Scheduler -> a queue


class _NoValue:
    """What `Ref AWS::NoValue`, and anything built from a resource with no local stand-in, resolve to:
    dropped from the list or map that holds it."""

    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()
_NOT_EMULATED = ("AWS::CloudFront::",)  # attributes of these resolve to NO_VALUE


def _parameter(spec: dict, value: Any) -> Any:
    if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def partition_of(region: str) -> tuple[str, str]:
    """AWS::Partition and AWS::URLSuffix of a region (the China regions' domain is amazonaws.com.cn)."""
    return ("aws-cn", "amazonaws.com.cn") if region.startswith("cn-") else ("aws", "amazonaws.com")


class Resolver:
    """Just enough of CloudFormation's intrinsic functions for this template: Ref, Fn::Sub,
    Fn::GetAtt, Fn::Join, Fn::If and the condition functions, with parameter defaults and pseudo
    parameters."""

    def __init__(self, template: dict, parameters: dict[str, str], account_id: str, region: str):
        self.resources = template.get("Resources", {})
        self.conditions = template.get("Conditions", {})
        declared = template.get("Parameters", {})
        self.values: dict[str, Any] = {
            name: _parameter(spec, spec["Default"]) for name, spec in declared.items() if "Default" in spec
        }
        self.values.update({name: _parameter(declared.get(name, {}), v) for name, v in parameters.items()})
        partition, suffix = partition_of(region)
        self.values.update({
            "AWS::AccountId": account_id, "AWS::Region": region, "AWS::Partition": partition,
            "AWS::URLSuffix": suffix, "AWS::StackName": "local",
        })
        self.account_id, self.region = account_id, region

    def name(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        props = resource.get("Properties", {})
        explicit = {"AWS::S3::Bucket": "BucketName", "AWS::SQS::Queue": "QueueName",
                    "AWS::DynamoDB::Table": "TableName"}.get(resource["Type"])
        if explicit and explicit in props:
            return self.resolve(props[explicit])
        return logical_id.lower() if resource["Type"] == "AWS::S3::Bucket" else logical_id

    def condition(self, name: str) -> bool:
        return bool(self._condition(self.conditions[name]))

    def _condition(self, expression: Any) -> Any:
        if not isinstance(expression, dict) or len(expression) != 1:
            return self.resolve(expression)
        (key, arg), = expression.items()
        if key == "Fn::Equals":
            left, right = (self._condition(a) for a in arg)
            return left == right or str(left) == str(right)
        if key == "Fn::Not":
            return not self._condition(arg[0])
        if key == "Fn::And":
            return all(self._condition(a) for a in arg)
        if key == "Fn::Or":
            return any(self._condition(a) for a in arg)
        if key == "Condition":
            return self.condition(arg)
        return self.resolve(expression)

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.values:
            return self.values[name]
        if name not in self.resources:
            raise KeyError(f"Ref to unknown name {name}")
        if self.resources[name]["Type"] == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{self.name(name)}"
        return self.name(name)

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind, name = self.resources[logical_id]["Type"], self.name(logical_id)
        if kind.startswith(_NOT_EMULATED):
            return NO_VALUE
        arns = {
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{self.region}:{self.account_id}:{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}",
        }
        if attribute == "Arn" and kind in arns:
            return arns[kind]
        if (kind, attribute) in (("AWS::SQS::Queue", "QueueName"), ("AWS::S3::Bucket", "BucketName")):
            return name
        raise KeyError(f"GetAtt {logical_id}.{attribute} is not supported locally")

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                return self._sub(arg)
            if key == "Fn::Join":
                return arg[0].join(str(v) for v in self.resolve(arg[1]))
            if key == "Fn::Split":
                return str(self.resolve(arg[1])).split(arg[0])
            if key == "Fn::Select":
                return self.resolve(arg[1])[int(self.resolve(arg[0]))]
            if key.startswith("Fn::"):
                raise KeyError(f"{key} is not supported locally")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _sub(self, arg: str | list) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        missing = []

        def replace(m: re.Match) -> str:
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = self.resolve(variables[name])
            elif "." in name and name.split(".", 1)[0] in self.resources:
                value = self.get_att(*name.split(".", 1))
            else:
                value = self.ref(name)
            if value is NO_VALUE:
                missing.append(name)
            return str(value)

        text = re.sub(r"\$\{([^}]+)\}", replace, text)
        return NO_VALUE if missing else text


def _merge_globals(glob: dict, props: dict) -> dict:
    """SAM's Globals rules: maps merge, lists add up, scalars on the resource win."""
    merged = dict(glob)
    for key, value in props.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_globals(merged[key], value)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = merged[key] + value
        else:
            merged[key] = value
    return merged


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {lid: r for lid, r in template.get("Resources", {}).items() if r.get("Type") == kind}


def _existing(template: dict, resolver: Resolver) -> dict:
    """The template with only the resources whose Condition holds (as CloudFormation creates them)."""
    resources = {lid: r for lid, r in template.get("Resources", {}).items()
                 if "Condition" not in r or resolver.condition(r["Condition"])}
    return {**template, "Resources": resources}


def _site_buckets(template: dict) -> set[str]:
    """Buckets that only serve a CloudFront distribution's site (its default behaviour's origin): locally
    the gateway serves web/ instead. Another origin's bucket (the images') is the functions' too."""
    found = set()
    for distribution in _of_type(template, "AWS::CloudFront::Distribution").values():
        config = distribution.get("Properties", {}).get("DistributionConfig", {})
        site = config.get("DefaultCacheBehavior", {}).get("TargetOriginId")
        for origin in config.get("Origins", []):
            domain = origin.get("DomainName") if origin.get("Id") == site else None
            if isinstance(domain, dict) and "Fn::GetAtt" in domain:
                target = domain["Fn::GetAtt"]
                found.add(target[0] if isinstance(target, list) else target.split(".")[0])
    return found


def _table(resolver: Resolver, logical_id: str, props: dict) -> dict:
    spec = {"TableName": resolver.name(logical_id)}
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "LocalSecondaryIndexes",
                "BillingMode", "ProvisionedThroughput", "StreamSpecification", "TimeToLiveSpecification"):
        if key in props:
            spec[key] = resolver.resolve(props[key])
    if "StreamSpecification" in spec:  # CloudFormation names the view type only; the API also wants it enabled
        spec["StreamSpecification"] = {"StreamEnabled": True, **spec["StreamSpecification"]}
    return spec


def _get_att_target(value: Any) -> tuple[str, str]:
    """(logical id, attribute) of a `!GetAtt Resource.Attribute`."""
    target = value["Fn::GetAtt"]
    return tuple(target) if isinstance(target, list) else tuple(target.split(".", 1))


_QUEUE_ATTRIBUTES = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
                     "VisibilityTimeout", "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication")


def _queue(resolver: Resolver, logical_id: str, props: dict) -> dict:
    attributes = {}
    for key in _QUEUE_ATTRIBUTES:
        if key in props:
            value = resolver.resolve(props[key])
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    if "RedrivePolicy" in props:
        policy = resolver.resolve(props["RedrivePolicy"])
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": policy["deadLetterTargetArn"],
                                                  "maxReceiveCount": int(policy["maxReceiveCount"])})
    return {"QueueName": resolver.name(logical_id), "Attributes": attributes}


def _bucket(resolver: Resolver, logical_id: str, props: dict) -> dict:
    """CloudFormation's bucket properties, translated to the S3 API's shapes."""
    spec: dict[str, Any] = {"Bucket": resolver.name(logical_id)}
    if "PublicAccessBlockConfiguration" in props:
        spec["PublicAccessBlockConfiguration"] = resolver.resolve(props["PublicAccessBlockConfiguration"])
    # A rule whose only origin was the CloudFront site has none left locally: S3 refuses such a rule.
    rules = [r for r in resolver.resolve(props.get("CorsConfiguration", {})).get("CorsRules", []) if r.get("AllowedOrigins")]
    if rules:
        renames = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
        spec["CORSConfiguration"] = {"CORSRules": [{renames.get(k, k): v for k, v in r.items()} for r in rules]}
    queues = resolver.resolve(props.get("NotificationConfiguration", {})).get("QueueConfigurations", [])
    if queues:
        spec["NotificationConfiguration"] = {"QueueConfigurations": [
            {"QueueArn": q["Queue"], "Events": [q["Event"]],
             **({"Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}}} if "Filter" in q else {})}
            for q in queues
        ]}
    return spec


def _limit(settings: dict) -> tuple[float, int] | None:
    if "ThrottlingRateLimit" not in settings and "ThrottlingBurstLimit" not in settings:
        return None
    return float(settings.get("ThrottlingRateLimit", 0)), int(settings.get("ThrottlingBurstLimit", 0))


def _throttles(resolver: Resolver, template: dict) -> tuple[dict[str, tuple[float, int]], tuple[float, int] | None]:
    """The HttpApi's RouteSettings and DefaultRouteSettings throttles, with parameters resolved."""
    routes, default = {}, None
    for api in _of_type(template, "AWS::Serverless::HttpApi").values():
        props = api.get("Properties", {})
        default = _limit(resolver.resolve(props.get("DefaultRouteSettings", {}))) or default
        for route_key, settings in resolver.resolve(props.get("RouteSettings", {})).items():
            limit = _limit(settings)
            if limit:
                routes[route_key] = limit
    return routes, default


def _api(resolver: Resolver, template: dict) -> tuple[dict[str, Authorizer], dict[str | None, str], dict]:
    """The HttpApi's authorizers, its default authorizer (by API logical id) and its CORS configuration."""
    authorizers, defaults, cors = {}, {}, {}
    for lid, api in _of_type(template, "AWS::Serverless::HttpApi").items():
        props = api.get("Properties", {})
        auth = props.get("Auth", {})
        for name, spec in auth.get("Authorizers", {}).items():
            jwt = resolver.resolve(spec.get("JwtConfiguration", {}))
            authorizers[name] = Authorizer(
                name=name, identity_source=spec.get("IdentitySource", "$request.header.Authorization"),
                issuer=jwt.get("issuer", ""), audience=tuple(jwt.get("audience", [])))
        defaults[lid] = auth.get("DefaultAuthorizer")
        cors = resolver.resolve(props.get("CorsConfiguration", {})) or cors
    return authorizers, defaults, cors


def _stream_source(function: str, props: dict) -> StreamSource:
    table, attribute = _get_att_target(props["Stream"])
    if attribute != "StreamArn":
        raise KeyError(f"{function}: only a table's stream (!GetAtt Table.StreamArn) is emulated locally")
    on_failure = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    return StreamSource(
        function=function, table=table,
        filters=tuple(json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])),
        batch_size=int(props.get("BatchSize", 100)), starting_position=props.get("StartingPosition", "LATEST"),
        report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
        maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
        on_failure=_get_att_target(on_failure)[0] if on_failure else None)


def _events(function: str, events: dict, default_authorizers: dict) -> tuple[list[Route], list[SqsSource],
                                                                              list[StreamSource]]:
    routes, sources, streams = [], [], []
    for event in events.values():
        props = event.get("Properties", {})
        if event["Type"] == "HttpApi":
            api = props["ApiId"].get("Ref") if isinstance(props.get("ApiId"), dict) else None
            authorizer = props.get("Auth", {}).get("Authorizer", default_authorizers.get(api))
            method = props.get("Method", "ANY").upper().replace("X-AMAZON-APIGATEWAY-ANY-METHOD", "ANY")
            routes.append(Route(method=method, path=props["Path"], function=function,
                                authorizer=None if authorizer in (None, "NONE") else authorizer))
        elif event["Type"] == "SQS":
            arn = props["Queue"]["Fn::GetAtt"]  # !GetAtt Queue.Arn
            sources.append(SqsSource(
                function=function, queue=arn[0] if isinstance(arn, list) else arn.split(".")[0],
                batch_size=int(props.get("BatchSize", 10)),
                batching_window=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])))
        elif event["Type"] == "DynamoDB":
            streams.append(_stream_source(function, props))
    return routes, sources, streams


def derive(template: dict, parameters: dict[str, str] | None = None,
           account_id: str = ACCOUNT_ID, region: str = REGION) -> Stack:
    resolver = Resolver(template, parameters or {}, account_id, region)
    template = _existing(template, resolver)
    resolver.resources = template["Resources"]
    authorizers, default_authorizers, cors = _api(resolver, template)
    throttles, default_throttle = _throttles(resolver, template)

    glob = template.get("Globals", {}).get("Function", {})
    functions, routes, sources, streams = {}, [], [], []
    for lid, resource in _of_type(template, "AWS::Serverless::Function").items():
        props = _merge_globals(glob, resource.get("Properties", {}))
        variables = resolver.resolve(props.get("Environment", {}).get("Variables", {}))
        functions[lid] = Function(logical_id=lid, handler=props["Handler"], code_uri=props.get("CodeUri", ""),
                                  memory_mb=int(props.get("MemorySize", 128)), timeout_s=int(props.get("Timeout", 3)),
                                  environment={k: str(v) for k, v in variables.items()})
        more_routes, more_sources, more_streams = _events(lid, props.get("Events", {}), default_authorizers)
        routes += more_routes
        sources += more_sources
        streams += more_streams
    routes.sort(key=lambda r: r.specificity)

    site = _site_buckets(template)

    def build(kind: str, make) -> list[dict]:
        return [make(resolver, lid, r.get("Properties", {})) for lid, r in _of_type(template, kind).items()
                if lid not in site]

    queues = build("AWS::SQS::Queue", _queue)
    queues.sort(key=lambda q: "RedrivePolicy" in q["Attributes"])  # a dead-letter queue must exist first
    kinds = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")
    return Stack(
        tables=build("AWS::DynamoDB::Table", _table), queues=queues, buckets=build("AWS::S3::Bucket", _bucket),
        functions=functions, routes=routes, sqs_sources=sources, authorizers=authorizers, cors=cors,
        names={lid: resolver.name(lid) for kind in kinds for lid in _of_type(template, kind) if lid not in site},
        stream_sources=streams, throttles=throttles, default_throttle=default_throttle,
        schedules=[_schedule(resolver, lid, r.get("Properties", {}))
                   for lid, r in _of_type(template, "AWS::Scheduler::Schedule").items()],
    )


def security_headers(template: dict, parameters: dict[str, str] | None = None, *, region: str = REGION,
                     account_id: str = ACCOUNT_ID, s3_endpoint: str | None = None) -> list[tuple[str, str]]:
    """The headers CloudFront adds to the web client's files: the response-headers policy of the
    template's distribution, resolved for `region` (its partition's domain). Locally (`s3_endpoint`,
    moto's server) the pages reach the buckets there, path-style: each bucket's origin in the policy is
    replaced, where it stands, by that endpoint's path for the bucket (the POST's URL is the bucket's
    path, an image's URL under it). Nothing else differs from what deploys."""
    resolver = Resolver(template, parameters or {}, account_id, region)
    template = _existing(template, resolver)
    resolver.resources = template["Resources"]
    (distribution,) = _of_type(template, "AWS::CloudFront::Distribution").values()
    policy_id = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]
    config = resolver.resolve(template["Resources"][policy_id["Ref"]]["Properties"]["ResponseHeadersPolicyConfig"])
    security, headers = config.get("SecurityHeadersConfig", {}), []
    if "ContentSecurityPolicy" in security:
        csp = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        if s3_endpoint:
            _, suffix = partition_of(region)
            for bucket in (resolver.name(lid) for lid in _of_type(template, "AWS::S3::Bucket")):
                local = f"{s3_endpoint.rstrip('/')}/{bucket}"
                csp = re.sub(rf"https://{re.escape(f'{bucket}.s3.{region}.{suffix}')}(?=[\s;]|$)", f"{local} {local}/", csp)
        headers.append(("Content-Security-Policy", csp))
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        headers.append(("Strict-Transport-Security", "; ".join(
            [f"max-age={hsts['AccessControlMaxAgeSec']}"] + (["includeSubDomains"] if hsts.get("IncludeSubdomains") else [])
            + (["preload"] if hsts.get("Preload") else []))))
    if "ContentTypeOptions" in security:
        headers.append(("X-Content-Type-Options", "nosniff"))
    if "FrameOptions" in security:
        headers.append(("X-Frame-Options", security["FrameOptions"]["FrameOption"]))
    if "ReferrerPolicy" in security:
        headers.append(("Referrer-Policy", security["ReferrerPolicy"]["ReferrerPolicy"]))
    if "XSSProtection" in security:
        xss = security["XSSProtection"]
        headers.append(("X-XSS-Protection", "1; mode=block" if xss.get("Protection") and xss.get("ModeBlock")
                        else "1" if xss.get("Protection") else "0"))
    headers += [(item["Header"], item["Value"]) for item in config.get("CustomHeadersConfig", {}).get("Items", [])]
    return headers


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes:  # already most specific first
        params = route.match(method, path)
        if params is not None:
            return route, params
    return None
