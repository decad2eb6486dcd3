"""The HTTP side every API function shares: one resolver setup, one serializer, one mapping from
errors to the contract's body, and one way to declare a route (its roles, its success status and the
error codes it can answer), so the OpenAPI document lists exactly what the route does.

Order of checks on every request (api-contract.md "The OpenAPI document tells the truth"):
identity (401 without claims) -> role (403, whatever the body) -> body shape (400: not JSON, not
UTF-8, nested too deep) -> schema validation (400 INVALID_REQUEST, never 422) -> the use case.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.logging import correlation_paths

from core.contract import ErrorBody
from core.errors import ERRORS, DomainError
from core.identity import Caller, caller_from_event
from core.settings import settings
from core.telemetry import telemetry

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.types import EventHandlerInstance

__all__ = ["Api", "Header", "Path", "Query", "Response"]  # handlers import the event handler's parts from here

logger = Logger(child=True)

APPLICATION_JSON = "application/json"
MAX_BODY_BYTES = 32 * 1024  # the largest body of the contract is a decision with its comment: ~2 KB
MAX_DEPTH = 16  # no request of the contract nests deeper than 4
BODY_METHODS = ("POST", "PUT", "PATCH")

# UTF-8 text as itself, one way for every route (no \uXXXX escapes).
dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def error_response(error: DomainError) -> Response:
    return Response(status_code=error.status, content_type=APPLICATION_JSON, body=dumps(error.body()))


# ---------------------------------------------------------------- validation messages, both languages

_ZH = {
    "missing": "缺少必填字段", "extra_forbidden": "不允许的字段", "string_type": "应为字符串",
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数", "bool_type": "应为 true 或 false",
    "float_type": "应为数字", "list_type": "应为数组", "dict_type": "应为 JSON 对象", "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象", "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符", "string_pattern_mismatch": "格式不正确,须符合 {pattern}",
    "greater_than_equal": "不能小于 {ge}", "less_than_equal": "不能大于 {le}", "greater_than": "须大于 {gt}",
    "less_than": "须小于 {lt}", "literal_error": "取值须为 {expected} 之一", "enum": "取值须为 {expected} 之一",
    "too_long": "元素不能超过 {max_length} 个", "too_short": "元素不能少于 {min_length} 个",
    "json_invalid": "不是有效的 JSON", "json_type": "不是有效的 JSON", "none_required": "应为空",
    "unsupported_content_type": "请求体须为 JSON(Content-Type: application/json)",
    "string_unicode": "应为有效的 Unicode 字符串", "bool_parsing": "应为 true 或 false", "float_parsing": "应为数字",
    "int_parsing_size": "数字位数过多", "finite_number": "应为有限的数字", "string_type_strict": "应为字符串",
    "missing_argument": "缺少必填字段", "unexpected_keyword_argument": "不允许的字段",
}
# json's messages (JSONDecodeError.msg), said in Chinese as specifically.
_JSON_ZH = {
    "Expecting value": "处应为一个值", "Expecting property name enclosed in double quotes": "处的属性名须用双引号",
    "Expecting ',' delimiter": "处缺少逗号", "Expecting ':' delimiter": "处缺少冒号", "Extra data": "起有多余的内容",
    "Unterminated string starting at": "开始的字符串没有结束", "Invalid control character at": "有不允许的控制字符",
    "Invalid \\escape": "有无效的转义", "Invalid \\uXXXX escape": "有无效的 \\uXXXX 转义",
}
_WHERE = {"body": ("body", "请求体"), "query": ("query parameter", "查询参数"), "path": ("path", "路径参数"),
          "header": ("header", "请求头")}


def _describe(errors: Sequence[dict]) -> tuple[str, str]:
    en, zh = [], []
    for err in errors[:5]:
        loc = [str(p)[:60] for p in err.get("loc", ())]  # a field name is client input: echo it short
        where_en, where_zh = _WHERE.get(loc[0], (loc[0], loc[0])) if loc else ("body", "请求体")
        field = ".".join(p for p in loc[1:] if not p.isdigit() or len(loc) > 2) or None
        kind = err.get("type", "")
        ctx = {k: v for k, v in (err.get("ctx") or {}).items()}
        if isinstance(ctx.get("expected"), str):  # pydantic's "'a', 'b' or 'c'", listed the Chinese way
            ctx["expected"] = ctx["expected"].replace(" or ", "、").replace(", ", "、")
        template = _ZH.get(kind, "取值无效")
        try:
            text_zh = template.format(**ctx)
        except (KeyError, IndexError):
            text_zh = template.split("{")[0].rstrip() or "取值无效"
        msg = str(err.get("msg") or kind)
        if field:
            en.append(f"{field} ({where_en}): {msg}")
            zh.append(f"{where_zh}字段 {field}:{text_zh}")
        else:
            en.append(f"{where_en}: {msg}")
            zh.append(f"{where_zh}:{text_zh}")
    return "; ".join(en) + ".", ";".join(zh) + "。"


def invalid(errors: Sequence[dict]) -> DomainError:
    en, zh = _describe(errors)
    return DomainError("INVALID_REQUEST", en, zh)


def body_problem(event) -> DomainError | None:
    """What is wrong with a request body before any schema looks at it, if anything."""
    raw = event.get("body")
    if not raw:
        return None
    media = (event.get("headers") or {}).get("content-type", "").split(";")[0].strip().lower()
    if media and media != APPLICATION_JSON and not media.endswith("+json"):
        return DomainError("INVALID_REQUEST", f"The body must be JSON (Content-Type: application/json), not {media[:60]}.",
                           f"请求体须为 JSON(Content-Type: application/json),而不是 {media[:60]}。")
    try:
        data = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode("utf-8", "strict")
        if len(data) > MAX_BODY_BYTES:
            return DomainError("INVALID_REQUEST", f"The body is larger than {MAX_BODY_BYTES // 1024} KB.",
                               f"请求体超过 {MAX_BODY_BYTES // 1024}KB。")
        text = data.decode("utf-8", "strict")
    except (binascii.Error, UnicodeError, ValueError):
        return DomainError("INVALID_REQUEST", "The body is not valid UTF-8 text.", "请求体不是有效的 UTF-8 文本。")
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        return DomainError("INVALID_REQUEST", f"The JSON body nests deeper than {MAX_DEPTH} levels.",
                           f"JSON 请求体嵌套超过 {MAX_DEPTH} 层。")
    return _json_problem(text)


def _json_problem(text: str) -> DomainError | None:
    """Parsing here, not only in Powertools, catches what its parser lets escape as a 500: Python's
    limit on the digits of an integer (a ValueError that is not a JSONDecodeError), and strings that
    are not Unicode text (an unpaired "\\udXXX" escape, which no UTF-8 encoder, boto3's included, takes)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return DomainError("INVALID_REQUEST", f"The body is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno}).",
                           f"请求体不是有效的 JSON:第 {e.lineno} 行第 {e.colno} 列{_JSON_ZH.get(e.msg, '有语法错误')}。")
    except ValueError:
        return DomainError("INVALID_REQUEST", "A number in the body has too many digits.", "请求体中的数字位数过多。")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8", "strict")
    except UnicodeEncodeError:
        return DomainError("INVALID_REQUEST", "The body has an unpaired surrogate escape (\\ud800-\\udfff): not Unicode text.",
                           "请求体含有不成对的代理项转义(\\ud800-\\udfff),不是有效的 Unicode 文本。")
    return None


def _depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


# ---------------------------------------------------------------- the API object


class _Gate(OpenAPIRequestValidationMiddleware):
    """Runs before Powertools' request validation (which it wraps, in its place): who the caller is,
    whether their role may use the route, and whether the body is JSON at all."""

    def __init__(self, api: Api, validation: OpenAPIRequestValidationMiddleware):
        self.api, self.validation = api, validation

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response:
        route = app.context.get("_route")
        caller = caller_from_event(app.current_event.raw_event)
        roles = self.api.roles.get(route.func, ()) if route else ()
        if roles:
            caller.require(*roles)
        app.append_context(caller=caller)
        if app.current_event.http_method in BODY_METHODS:
            problem = body_problem(app.current_event.raw_event)
            if problem:
                raise problem
        return self.validation.handler(app, next_middleware)


def _no_body(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    response = next_middleware(app)
    if response.status_code in (204, 304):
        response.body = ""
        response.content_type = None
        response.headers.pop("Content-Type", None)
    return response


def _error_content(codes: Iterable[str]) -> dict:
    examples = {code: {"summary": ERRORS[code].message, "value": DomainError(code).body()} for code in codes}
    return {APPLICATION_JSON: {"model": ErrorBody, "examples": examples}}


UNAUTHORIZED_RESPONSE = {
    "description": "No valid token: answered by API Gateway's JWT authorizer, with its own body.",
    "content": {APPLICATION_JSON: {"schema": {"type": "object", "properties": {"message": {"type": "string"}},
                                              "required": ["message"], "example": {"message": "Unauthorized"}}}},
}


THROTTLED_RESPONSE = {
    "description": "Too many requests: answered by API Gateway's throttling (the stage's or the route's rate), "
                   "with its own body. Try again in a moment.",
    "content": {APPLICATION_JSON: {"schema": {"type": "object", "properties": {"message": {"type": "string"}},
                                              "required": ["message"], "example": {"message": "Too Many Requests"}}}},
}


SECURITY_SCHEMES = {"jwt": {
    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    "description": "API Gateway's JWT authorizer: a Cognito ID token (web) or a client-credentials access "
                   "token with the registrar scope (registration system); locally POST /dev/token.",
}}


class Api:
    """One HTTP function: its resolver, the routes' declared roles and errors, its Powertools logger,
    tracer and metrics, and its Lambda handler (`lambda_handler = api.handler()`)."""

    def __init__(self) -> None:
        settings()  # validated at cold start: a missing setting fails the init, not the first write
        self.logger, self.tracer, self.metrics = telemetry()
        self.app = APIGatewayHttpResolver(enable_validation=True, serializer=dumps)
        self.roles: dict[Callable, tuple[str, ...]] = {}
        self.app._request_validation_middleware = _Gate(self, self.app._request_validation_middleware)
        self._handlers()

    def caller(self) -> Caller:
        return self.app.context["caller"]

    def route(self, method: str, path: str, *, roles: Iterable[str], summary: str,
              success: dict[int, str | dict] | None = None, errors: Iterable[str] = (),
              description: str | None = None, model: type | None = None):
        """Declare a route: `roles` may use it (403 for the others, before the body is looked at);
        `success` its statuses (the first is the default; 204/304 carry no body; a dict value is a whole
        OpenAPI response); `errors` the contract codes it can answer besides INVALID_REQUEST and
        FORBIDDEN; `model` the success body where the return annotation says more (e.g. `| None`)."""
        success = success or {200: "OK"}
        by_status: dict[int, list[str]] = {}
        # every route reads or writes DynamoDB, which may throttle: 503 TRY_AGAIN
        for code in dict.fromkeys(["INVALID_REQUEST", "FORBIDDEN", *errors, "TRY_AGAIN"]):
            by_status.setdefault(ERRORS[code].status, []).append(code)
        responses: dict[int, Any] = {}
        for status, text in success.items():
            response = dict(text) if isinstance(text, dict) else {"description": text}
            if status in (204, 304):
                response["content"] = {}
            elif model is not None:
                response["content"] = {APPLICATION_JSON: {"model": model}}
            responses[status] = response
        responses[401] = UNAUTHORIZED_RESPONSE
        for status, group in sorted(by_status.items()):
            responses[status] = {"description": " / ".join(group), "content": _error_content(group)}
        if 429 in responses:  # the route's own 429 (its error body); the gateway's throttling may answer too
            responses[429]["description"] += " (or API Gateway's throttling, with its own body {message})"
        else:
            responses[429] = THROTTLED_RESPONSE
        roles = tuple(roles)

        def register(fn):
            self.roles[fn] = roles
            who = "Roles: " + ", ".join(roles) + "."
            decorator = getattr(self.app, method)(
                path, summary=summary, description=f"{description}\n\n{who}" if description else who,
                responses=responses, status_code=next(iter(success)), middlewares=[_no_body],
                security=[{"jwt": []}], operation_id=fn.__name__)
            return decorator(fn)

        return register

    def openapi(self) -> dict:
        """This function's OpenAPI document (tools/openapi.py merges the functions' into one)."""
        from aws_lambda_powertools.event_handler.openapi.models import (  # documenting only
            HTTPBearer,
            SecurityScheme,
        )

        schemes: dict[str, SecurityScheme] = {k: HTTPBearer.model_validate(v) for k, v in SECURITY_SCHEMES.items()}
        return self.app.get_openapi_schema(security_schemes=schemes).model_dump(by_alias=True, exclude_none=True,
                                                                                 mode="json")

    def _handlers(self) -> None:
        app = self.app

        @app.exception_handler(DomainError)
        def _domain(e: DomainError):
            if e.status >= 500:
                logger.warning("domain error", extra={"code": e.code})
            return error_response(e)

        @app.exception_handler(RequestValidationError)
        def _invalid(e: RequestValidationError):
            return error_response(invalid(e.errors()))

        @app.exception_handler(Exception)
        def _unexpected(e: Exception):
            # A bug, not an input: logged with its stack; the caller still gets the contract's shape.
            logger.exception("unhandled error")
            return error_response(DomainError("INTERNAL_ERROR"))

        @app.not_found
        def _not_found(_: NotFoundError):
            return error_response(DomainError("NOT_FOUND", "No such route.", "没有该接口。"))

    def handler(self) -> Callable[[dict, object], dict]:
        """The function's Lambda handler: logs with the request's correlation id, traced, metrics flushed."""
        @self.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
        @self.tracer.capture_lambda_handler
        @self.metrics.log_metrics
        def lambda_handler(event: dict, context) -> dict:
            return self.app.resolve(event, context)

        return lambda_handler
