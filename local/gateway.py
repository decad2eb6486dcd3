"""A stand-in for API Gateway (HTTP API): routes by the template's HttpApi events, throttles each route
as its RouteSettings say (local.throttle), runs the JWT authorizer, builds a payload-v2 event, invokes
the function, returns its response; CORS as the HttpApi's CorsConfiguration says; the web client's
static files at /."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import mimetypes
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from local.auth import TokenIssuer, Unauthorized, gateway_claims
from local.invoke import http_event
from local.template import Stack, match_route
from local.throttle import Limit, Throttles

log = logging.getLogger(__name__)

_TEXT_TYPES = ("application/json", "+json", "application/xml", "+xml", "application/javascript")


@dataclass
class Request:
    method: str
    target: str  # path and query string, as sent
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"

    @property
    def raw_query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def json(cls, status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()  # as the functions write it
        return cls(status, [("Content-Type", "application/json"), *(headers or [])], body)


def error(status: int, code: str, message: str, message_zh: str) -> Response:
    """The contract's error shape (api-contract.md "Errors")."""
    return Response.json(status, {"error": {"code": code, "message": message, "messageZh": message_zh}})


# CloudFront compresses what the web distribution serves (template.yaml, Compress: true): these types,
# from 1,000 bytes to 10 MB, for a browser that accepts gzip. The local stack does the same, so a page
# weighs here what it weighs in AWS (the light-pages browser test counts its bytes).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


def compressed(request: Request, response: Response) -> Response:
    kind = next((v for k, v in response.headers if k.lower() == "content-type"), "")
    accepts = "gzip" in (request.header("accept-encoding") or "").lower()
    if not accepts or not kind.startswith(COMPRESSIBLE) or not 1000 <= len(response.body) <= 10_000_000:
        return response
    return Response(response.status, [*response.headers, ("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")],
                    gzip.compress(response.body, mtime=0))


def _method_not_allowed(method: str, path: str, allowed: list[str]) -> Response:
    """405 in the contract's shape; `Allow` lists what `path` takes (none known: the path is routed for
    nothing, and the method for nothing anywhere)."""
    if allowed:
        response = error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed on {path}; use {', '.join(allowed)}.",
                         f"该接口不支持 {method} 请求方法,请使用 {'、'.join(allowed)}。")
        response.headers.append(("Allow", ", ".join(allowed)))
        return response
    return error(405, "METHOD_NOT_ALLOWED", f"{method} is not allowed here.", f"不支持 {method} 请求方法。")


def _text(body: bytes, content_type: str) -> str | None:
    media_type = content_type.split(";")[0].strip().lower()
    if not (media_type.startswith("text/") or any(t in media_type for t in _TEXT_TYPES)):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def build_event(request: Request, route_key: str, path_params: dict[str, str], claims: dict | None) -> dict:
    """An API Gateway HTTP API payload (format 2.0), as Lambda receives it."""
    headers: dict[str, str] = {}
    for name, value in request.headers:
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookie = headers.pop("cookie", None)
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    body, binary = None, False
    if request.body:
        text = _text(request.body, headers.get("content-type", ""))
        binary = text is None  # HTTP APIs pass what is not text base64-encoded
        body = base64.b64encode(request.body).decode() if binary else text
    return http_event(request.method, request.path, gateway_claims(claims) if claims is not None else None,
                      body=body, base64_encoded=binary, headers=headers, query=query, raw_query=request.raw_query,
                      route_key=route_key, path_params={k: unquote(v) for k, v in path_params.items()},
                      cookies=[c.strip() for c in cookie.split(";") if c.strip()] if cookie else None,
                      source_ip=request.source_ip, protocol=request.protocol)


def lambda_response(result: Any) -> Response:
    """A payload-2.0 Lambda result as API Gateway turns it into HTTP."""
    if not (isinstance(result, dict) and "statusCode" in result):
        return Response.json(200, result)
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    headers += [("Set-Cookie", c) for c in result.get("cookies") or []]
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return Response(int(result["statusCode"]), headers, data)


class Gateway:
    def __init__(self, stack: Stack, tokens: TokenIssuer, invoke: Callable[[str, dict], Any],
                 local_routes: dict[tuple[str, str], Callable[[Request], Response]] | None = None,
                 web_dir: Path | None = None, site_headers: list[tuple[str, str]] | None = None,
                 prefix_routes: dict[str, Callable[[Request], Response]] | None = None):
        self.stack, self.tokens, self.invoke = stack, tokens, invoke
        self.local_routes = local_routes or {}
        # GET/HEAD of every path under a prefix: the distribution's other origins (local.cdn)
        self.prefix_routes = prefix_routes or {}
        self.web_dir = web_dir.resolve() if web_dir else None
        default = stack.default_throttle
        self.throttles = Throttles({k: Limit(*v) for k, v in stack.throttles.items()}, Limit(*default) if default else None)
        self.site_headers = site_headers or []  # what CloudFront adds to the site's files (CSP, HSTS, ...)

    def handle(self, request: Request) -> Response:
        try:
            response = self._route(request)
        except Exception:
            log.exception("gateway error on %s %s", request.method, request.path)
            response = Response.json(500, {"message": "Internal Server Error"})
        response.headers += self._cors(request)
        response.headers.append(("Apigw-Requestid", uuid.uuid4().hex[:16]))
        return response

    def _route(self, request: Request) -> Response:
        method, path = request.method.upper(), request.path
        if method == "OPTIONS" and self.stack.cors and request.header("access-control-request-method"):
            return self._preflight(request)
        local = self.local_routes.get((method, path))
        if local:
            return local(request)
        if method in ("GET", "HEAD"):
            under = next((handler for prefix, handler in self.prefix_routes.items() if path.startswith(prefix)), None)
            if under:
                return under(request)
        found = match_route(self.stack.routes, method, path)
        if found:
            route, params = found
            if not self.throttles.admit(route.route_key):
                return Response.json(429, {"message": "Too Many Requests"})
            claims = None
            if route.authorizer:
                authorizer = self.stack.authorizers[route.authorizer]
                try:
                    claims = self.tokens.verify(request.header(authorizer.identity_source.rsplit(".", 1)[-1]),
                                                issuer=authorizer.issuer, audiences=authorizer.audience)
                except Unauthorized as e:
                    log.debug("401 %s %s: %s", method, path, e)
                    return Response.json(401, {"message": "Unauthorized"})
            try:
                result = self.invoke(route.function, build_event(request, route.route_key, params, claims))
            except Exception:
                log.exception("%s failed on %s", route.function, route.route_key)
                return Response.json(500, {"message": "Internal Server Error"})
            return lambda_response(result)
        if method in ("GET", "HEAD"):
            static = self._static(path)
            if static:
                return compressed(request, static)
        allowed = self._methods_for(path)
        if allowed or method not in self._methods_anywhere():
            return _method_not_allowed(method, path, allowed)
        return error(404, "NOT_FOUND", f"No route for {method} {path}.", f"没有 {method} {path} 这个接口。")

    def _methods_for(self, path: str) -> list[str]:
        """The methods `path` is routed for (an ANY route would have matched already)."""
        methods = {r.method for r in self.stack.routes if r.method != "ANY" and r.match(r.method, path) is not None}
        methods |= {m for m, p in self.local_routes if p == path}
        if self._static(path):
            methods |= {"GET", "HEAD"}
        return sorted(methods)

    def _methods_anywhere(self) -> set[str]:
        methods = {r.method for r in self.stack.routes} | {m for m, _ in self.local_routes}
        return methods | ({"GET", "HEAD"} if self.web_dir else set()) | ({"OPTIONS"} if self.stack.cors else set())

    def _static(self, path: str) -> Response | None:
        if not self.web_dir:
            return None
        target = (self.web_dir / unquote(path).lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file() or not target.is_relative_to(self.web_dir):
            return None
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
            content_type += "; charset=utf-8"
        return Response(200, [("Content-Type", content_type), ("Cache-Control", "no-cache"), *self.site_headers],
                        target.read_bytes())

    def _allowed_origin(self, request: Request) -> str | None:
        origin = request.header("origin")
        allowed = self.stack.cors.get("AllowOrigins", [])
        if origin and (origin in allowed or "*" in allowed):
            return origin
        return None

    def _cors(self, request: Request) -> list[tuple[str, str]]:
        origin = self._allowed_origin(request)
        if not origin:
            return []
        headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if self.stack.cors.get("ExposeHeaders"):
            headers.append(("Access-Control-Expose-Headers", ",".join(self.stack.cors["ExposeHeaders"])))
        if self.stack.cors.get("AllowCredentials"):
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return headers

    def _preflight(self, request: Request) -> Response:
        if not self._allowed_origin(request):
            return Response(204)
        cors = self.stack.cors
        return Response(204, [
            ("Access-Control-Allow-Methods", ",".join(cors.get("AllowMethods", []))),
            ("Access-Control-Allow-Headers", ",".join(cors.get("AllowHeaders", [])).lower()),
            ("Access-Control-Max-Age", str(cors.get("MaxAge", 0))),
        ])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: GatewayServer

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(method=self.command, target=self.path, headers=list(self.headers.items()),
                          body=self.rfile.read(length) if length else b"", source_ip=self.client_address[0],
                          protocol=self.request_version)
        response = self.server.gateway.handle(request)
        body = b"" if response.status in (204, 304) else response.body
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def __getattr__(self, name: str):
        # Every method reaches the gateway (TRACE, QUERY, anything): it answers 405, not the base
        # class's 501 HTML page.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_request(self, code="-", size="-") -> None:
        # Per request at LOG_LEVEL=debug, without the query string: the office searches by name and
        # identity number (?q=...), which no log may hold.
        log.debug("%s %s %s %s", self.address_string(), self.command, urlsplit(self.path).path, code)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


class GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's default of 5 resets connections under a burst of clients

    def __init__(self, host: str, port: int, gateway: Gateway | None = None):
        super().__init__((host, port), _Handler)
        self.gateway = gateway

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up is not our error
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"
