"""The whole local stack in one object: `LocalStack(port=0).start()` returns the base URL, `.stop()`.

Order matters: moto first; then the environment every function sees (AWS_ENDPOINT_URL and the
template's variables), set before any handler is imported; the resources from template.yaml; the
gateway (its /healthz answers 503 until seeding is done); the demo data; the SQS worker.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from pathlib import Path

import boto3
from botocore.config import Config

from deploy import catalogue
from local import auth
from local.cdn import Distribution, KeyPair
from local.gateway import Gateway, GatewayServer, Request, Response, error
from local.invoke import FAKE_AWS, FAKE_KEYS
from local.moto_server import MotoServer
from local.oidc import OidcProvider
from local.runtime import Runtime
from local.seed import DEMO_USERS, seed
from local.sms_gateway import SmsGatewayStandIn
from local.streams import StreamPoller, to_queue
from local.template import (
    ACCOUNT_ID,
    REGION,
    ROOT,
    TEMPLATE_PATH,
    Schedule,
    Stack,
    derive,
    load_template,
    security_headers,
)
from local.worker import Worker, sqs_event

log = logging.getLogger(__name__)

# The browsable API reference: swagger-ui-dist vendored under web/vendor/ (web/vendor/README.md), so
# every asset comes from our own origin.
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>API reference</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});</script>
</body></html>"""


def client(service: str, endpoint_url: str, **config):
    """A boto3 client for the local AWS, from its own session (boto3's default one is not thread-safe)."""
    return boto3.session.Session().client(service, endpoint_url=endpoint_url, region_name=REGION, config=Config(**config),
                                          **FAKE_KEYS)


def provision(stack: Stack, endpoint_url: str | None, clients: tuple | None = None) -> None:
    """Create the template's tables, queues and buckets in moto (clients: dynamodb, sqs, s3 to reuse)."""
    dynamodb, sqs, s3 = clients or tuple(client(s, endpoint_url) for s in ("dynamodb", "sqs", "s3"))
    for table in stack.tables:
        spec = dict(table)
        ttl = spec.pop("TimeToLiveSpecification", None)
        dynamodb.create_table(**spec)
        if ttl:
            dynamodb.update_time_to_live(TableName=spec["TableName"], TimeToLiveSpecification=ttl)
    for queue in stack.queues:
        sqs.create_queue(**queue)
    for bucket in stack.buckets:
        s3.create_bucket(Bucket=bucket["Bucket"])
        if "PublicAccessBlockConfiguration" in bucket:
            s3.put_public_access_block(Bucket=bucket["Bucket"],
                                       PublicAccessBlockConfiguration=bucket["PublicAccessBlockConfiguration"])
        if "CORSConfiguration" in bucket:
            s3.put_bucket_cors(Bucket=bucket["Bucket"], CORSConfiguration=bucket["CORSConfiguration"])
        if "NotificationConfiguration" in bucket:
            s3.put_bucket_notification_configuration(
                Bucket=bucket["Bucket"], NotificationConfiguration=bucket["NotificationConfiguration"])


def upload_samples(stack: Stack, endpoint_url: str, folder: Path = ROOT / "samples") -> int:
    """The sample pictures each material type links to (R4), as `aws s3 sync samples/` does on deploy."""
    s3 = client("s3", endpoint_url)
    bucket = stack.names["MaterialsBucket"]
    pictures = sorted(folder.glob("*.png"))
    for picture in pictures:
        s3.put_object(Bucket=bucket, Key=f"samples/{picture.name}", Body=picture.read_bytes(), ContentType="image/png")
    return len(pictures)


def configure_environment(endpoint_url: str, stack: Stack) -> None:
    """What a deployed function finds in its environment, pointed at moto through boto3's standard
    settings. Nothing in functions/ knows it runs locally."""
    for key in list(os.environ):
        if key.startswith("AWS_ENDPOINT_URL_") or key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            del os.environ[key]
    os.environ.update({"AWS_ENDPOINT_URL": endpoint_url, **FAKE_AWS})
    environments = [f.environment for f in stack.functions.values()]
    common = {k: v for k, v in environments[0].items() if all(e.get(k) == v for e in environments)} if environments else {}
    os.environ.update(common)
    # Image links (IMAGE_*): set on the functions that make them; these share one process here and read
    # their settings once, so the values (the same wherever they are set) are set for all of them.
    os.environ.update({k: v for e in environments for k, v in e.items() if k.startswith("IMAGE_")})


def outbox(dynamodb, table: str, sent: list[tuple[str, str, str]] | None = None) -> list[dict]:
    """The SMS sent, oldest first - `sent` (message id, to, text) as the gateway's stand-in accepted them,
    else moto's record of those published through SNS in this process - joined with the delivery markers
    (by message id). Local only: it scans the table, which no function ever does."""
    from boto3.dynamodb.types import TypeDeserializer
    from moto.sns.models import sns_backends

    plain = TypeDeserializer().deserialize
    markers, start = {}, None
    while True:
        page = dynamodb.scan(TableName=table, FilterExpression="attribute_exists(messageId)",
                             ProjectionExpression="messageId, messageKind, #r, #a",
                             ExpressionAttributeNames={"#r": "ref", "#a": "at"},
                             **({"ExclusiveStartKey": start} if start else {}))
        for item in page.get("Items", []):
            item = {k: plain(v) for k, v in item.items()}
            markers[item["messageId"]] = item
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    messages = []
    if sent is None:
        sent = [(i, to, text) for i, (to, text) in list(sns_backends[ACCOUNT_ID][REGION].sms_messages.items())]
    for message_id, to, text in sent:
        marker = markers.get(message_id, {})
        messages.append({"to": to, "text": text, "at": marker.get("at"), "kind": marker.get("messageKind"),
                         "ref": marker.get("ref"), "messageId": message_id})
    return messages


class Scheduler(threading.Thread):
    """A schedule's clock: its message every `every_s` seconds (the first one rate after the start)."""

    def __init__(self, schedule: Schedule, send):
        super().__init__(name=f"schedule-{schedule.short_name}", daemon=True)
        self.schedule, self.send = schedule, send
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        while not self.stopping.wait(self.schedule.every_s):
            try:
                self.send(self.schedule.message)
            except Exception:
                log.exception("schedule %s: its message could not be sent", self.schedule.name)


class LocalStack:
    def __init__(self, port: int = 0, host: str = "127.0.0.1", moto_port: int = 0, seed_demo: bool = True,
                 visibility_timeout: int | None = None, template_path: Path = TEMPLATE_PATH,
                 web_dir: Path = ROOT / "web", parameters: dict[str, str] | None = None):
        self.host, self.port, self.moto_port = host, port, moto_port
        self.parameters = dict(parameters or {})  # template parameters over their defaults (e.g. scaled throttles)
        self.seed_demo, self.template_path, self.web_dir = seed_demo, template_path, web_dir
        env_timeout = os.environ.get("LOCAL_VISIBILITY_TIMEOUT")
        self.visibility_timeout = visibility_timeout if visibility_timeout is not None else (
            int(env_timeout) if env_timeout else None)
        self.ready = threading.Event()
        self.tokens = auth.TokenIssuer()  # replaced in start(): its issuer is this stack's /oidc
        self.sms = SmsGatewayStandIn()
        self.moto: MotoServer | None = None
        self.http: GatewayServer | None = None
        self.workers: list[Worker] = []
        self.pollers: list[StreamPoller] = []
        self.schedules: list[Scheduler] = []
        self._serving: threading.Thread | None = None
        self.seeded = False

    @property
    def url(self) -> str:
        return self.http.url if self.http else ""

    def start(self) -> str:
        self.moto = MotoServer(self.host, self.moto_port).start()
        self.http = GatewayServer(self.host, self.port)  # bound now: the web origin needs the port
        self.tokens = auth.TokenIssuer(issuer=f"{self.url}/oidc")
        self.oidc = OidcProvider(self.tokens, self.url, redirect_uris=(f"{self.url}/",))
        # SMS leaves through the domestic gateway's stand-in (signed HTTP), as in the China regions
        parameters = {**self.parameters, "JwtIssuer": self.tokens.issuer, "JwtAudience": ",".join(self.tokens.audiences),
                      "WebOrigin": self.url, "SmsChannel": "gateway", "SmsGatewayUrl": f"{self.url}{self.sms.path}"}
        template = load_template(self.template_path)
        self.stack = derive(template, parameters)
        # The site's files carry the template's security headers, the buckets' origins being moto's here:
        # every page runs under the Content-Security-Policy that deploys.
        self.site_headers = security_headers(template, parameters, s3_endpoint=self.moto.url)
        configure_environment(self.moto.url, self.stack)
        provision(self.stack, self.moto.url)
        # The requirement catalogue's first version, by the seed step a deployment runs (make seed-catalogue).
        catalogue.seed(client("dynamodb", self.moto.url), self.stack.names["AppTable"])
        self._sms_credentials()
        self.distribution = self._image_distribution()
        self.moto.cors.configure(self.stack.buckets)
        upload_samples(self.stack, self.moto.url)
        self.runtime = Runtime(self.stack.functions, one_at_a_time={r.function for r in self.stack.routes})
        local_routes = {
            ("GET", "/healthz"): self._healthz,
            ("POST", "/dev/token"): self._dev_token,
            ("GET", "/openapi.json"): self._openapi,
            ("GET", "/dev/aws"): self._aws,
            ("GET", "/dev/outbox"): self._outbox,
            ("POST", "/oauth2/token"): lambda r: Response.json(*auth.token_endpoint(self.tokens, r.header("authorization"), r.body)),
            ("GET", "/docs"): self._docs,
            ("GET", "/config.json"): self._web_config,
            **self.oidc.routes(),
            **self.sms.routes(),
            **{("POST", f"/dev/run/{s.short_name}"): self._run_now(s) for s in self.stack.schedules},
        }
        self.http.gateway = Gateway(self.stack, self.tokens, self.runtime.invoke, local_routes, self.web_dir,
                                    self.site_headers, self.distribution.routes() if self.distribution else None)
        self._serving = threading.Thread(target=self.http.serve_forever, name="gateway", daemon=True)
        self._serving.start()
        self._start_stream_pollers()
        if self.seed_demo:
            registrar = self.tokens.client_credentials(self.tokens.registration_client_id,
                                                       auth.REGISTRATION_CLIENT_SECRET, None)["access_token"]
            self.seeded = seed(self.url, registrar)
        self._start_workers()
        self._start_schedules()
        self.ready.set()
        return self.url

    def stop(self) -> None:
        for worker in [*self.workers, *self.pollers, *self.schedules]:
            worker.stop()
        if self.moto:
            self.moto.app.closing.set()  # pending long polls return now
        for worker in [*self.workers, *self.pollers, *self.schedules]:
            worker.join(timeout=5)
        if self.http:
            if self._serving:
                self.http.shutdown()  # waits for serve_forever, so only if it ever ran
            self.http.server_close()
        if self.moto:
            self.moto.stop()

    def _sms_credentials(self) -> None:
        """The gateway's key, where the template says the notify function reads it (Secrets Manager)."""
        names = {f.environment.get("SMS_GATEWAY_SECRET") for f in self.stack.functions.values()} - {None}
        secrets = client("secretsmanager", self.moto.url)
        for name in names:
            secrets.create_secret(Name=name, SecretString=json.dumps(self.sms.credentials))

    def _image_distribution(self) -> Distribution | None:
        """The distribution's image paths on this origin (local.cdn), with a key pair made now: its private
        key where the template's functions read it (IMAGE_KEY_SECRET), its id the one they are given."""
        if os.environ.get("IMAGE_LINKS") != "cloudfront":
            return None
        keys = KeyPair.generate(os.environ["IMAGE_KEY_PAIR_ID"])
        client("secretsmanager", self.moto.url).create_secret(Name=os.environ["IMAGE_KEY_SECRET"],
                                                              SecretString=keys.private_pem)
        s3 = client("s3", self.moto.url)
        return Distribution(os.environ["IMAGE_ORIGIN"], {keys.key_id: keys.public_key}, lambda: s3,
                            self.stack.names["MaterialsBucket"])

    def _start_workers(self) -> None:
        sqs = client("sqs", self.moto.url)
        for source in self.stack.sqs_sources:
            name = self.stack.names[source.queue]
            worker = Worker(
                sqs, sqs.get_queue_url(QueueName=name)["QueueUrl"], f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
                REGION, lambda event, fn=source.function: self.runtime.invoke(fn, event),
                ready=self._loadable(source.function), batch_size=source.batch_size,
                report_batch_item_failures=source.report_batch_item_failures,
                visibility_timeout=self.visibility_timeout)
            worker.start()
            self.workers.append(worker)

    def _start_stream_pollers(self) -> None:
        """The functions fed by the table's stream (local.streams), started before any write they should
        see: their event source starts at LATEST."""
        dynamodb, sqs = client("dynamodb", self.moto.url), client("sqs", self.moto.url)
        streams = client("dynamodbstreams", self.moto.url, account_id_endpoint_mode="disabled")
        for source in self.stack.stream_sources:
            table = dynamodb.describe_table(TableName=self.stack.names[source.table])["Table"]
            on_failure = source.on_failure and to_queue(sqs, sqs.get_queue_url(
                QueueName=self.stack.names[source.on_failure])["QueueUrl"])
            poller = StreamPoller(
                streams, table["LatestStreamArn"], REGION, lambda event, fn=source.function: self.runtime.invoke(fn, event),
                source.filters, source.batch_size, source.starting_position, source.report_batch_item_failures,
                source.maximum_retry_attempts, on_failure or None, ready=self._loadable(source.function))
            poller.start()
            self.pollers.append(poller)

    def _start_schedules(self) -> None:
        """EventBridge Scheduler's schedules of the template: each sends its message to its queue at its rate."""
        sqs = client("sqs", self.moto.url)
        for schedule in self.stack.schedules:
            url = sqs.get_queue_url(QueueName=self.stack.names[schedule.queue])["QueueUrl"]
            scheduler = Scheduler(schedule, lambda body, url=url: sqs.send_message(QueueUrl=url, MessageBody=body))
            scheduler.start()
            self.schedules.append(scheduler)

    def _run_now(self, schedule: Schedule):
        """POST /dev/run/{name}: the schedule's message handed to its queue's function at once, in a batch of
        its own, as the event source would; answers when the function has (what it did is in /dev/outbox)."""
        def run(_: Request) -> Response:
            source = next(s for s in self.stack.sqs_sources if s.queue == schedule.queue)
            name = self.stack.names[schedule.queue]
            message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "local-run", "Body": schedule.message,
                       "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000))}}
            result = self.runtime.invoke(source.function, sqs_event([message], f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
                                                                      REGION))
            failed = bool(isinstance(result, dict) and result.get("batchItemFailures"))
            return Response.json(500 if failed else 200, {"schedule": schedule.name, "function": source.function,
                                                          "failed": failed})
        return run

    def _loadable(self, function: str):
        warned = []

        def ready() -> bool:
            try:
                self.runtime.load(function)
                return True
            except Exception as e:
                if not warned:
                    log.warning("%s cannot be loaded yet (%s); its queue waits", function, e)
                    warned.append(True)
                return False
        return ready

    # ------------------------------------------------------------ local-only routes
    def _healthz(self, _: Request) -> Response:
        if self.ready.is_set():
            return Response.json(200, {"status": "ok"})
        return Response.json(503, {"status": "starting"})

    def _dev_token(self, request: Request) -> Response:
        try:
            body = request.json()
            sub, groups = body["sub"], body["groups"]
            groups = [groups] if isinstance(groups, str) else groups
            if not (isinstance(sub, str) and sub and isinstance(groups, list)
                    and all(isinstance(g, str) for g in groups)):
                raise ValueError
            mfa = body.get("mfa", True)
            if not isinstance(mfa, bool):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return error(400, "INVALID_REQUEST", 'Expected {"sub": "...", "groups": ["..."], "site"?, "region"?, "mfa"?}.',
                         "请求格式错误:需要 sub 与 groups 字段。")
        # A staff token says it was signed in with a second factor unless "mfa": false (core.identity).
        token = self.tokens.mint(sub, groups, site=body.get("site"), region=body.get("region"),
                                 amr=None if mfa else ["pwd"])
        return Response.json(200, {"token": token})

    def _aws(self, _: Request) -> Response:
        """Where the embedded AWS is and what the resources are called there (for tests and make dlq)."""
        return Response.json(200, {"endpointUrl": self.moto.url, "region": REGION, "resources": self.stack.names})

    def _outbox(self, _: Request) -> Response:
        """What would have been sent: every SMS the functions published (moto's SNS, in this process),
        with what the notify function's delivery markers say it was (kind, ref) and when."""
        sent = [(m["messageId"], m["to"], m["text"]) for m in self.sms.messages]
        return Response.json(200, {"messages": outbox(client("dynamodb", self.moto.url), self.stack.names["AppTable"], sent)})

    def _docs(self, _: Request) -> Response:
        return Response(200, [("Content-Type", "text/html; charset=utf-8")], DOCS_PAGE.encode())

    def _web_config(self, _: Request) -> Response:
        """What the web client reads first (deployed, deploy/web.py writes it): the API on this origin, and
        sign-in through this stack's OIDC issuer (the registration system's accounts, R1). The demo
        logins are the picker's buttons: each signs in through the issuer with its login_hint."""
        users = [{"sub": u.sub, "groups": list(u.groups), "site": u.site, "region": u.region, "note": u.note}
                 for u in DEMO_USERS if "registrar" not in u.groups]
        return Response.json(200, {"apiUrl": "", "auth": {
            "type": "oidc", "issuer": self.tokens.issuer, "clientId": self.tokens.audience,
            "redirectUri": f"{self.url}/", "scopes": ["openid", "profile"], "demoUsers": users}}, self.site_headers)

    def _openapi(self, _: Request) -> Response:
        """The HTTP functions' own OpenAPI documents (Powertools, generated from the code), merged: the
        same document as docs/openapi.json, with this stack as the server."""
        from tools.openapi import build

        return Response.json(200, build(servers=[{"url": self.url}]))
