"""The one place errors become HTTP responses, shared by the HTTP functions' resolvers."""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from core.errors import DomainError
from core.identity import Caller, caller_from_event

logger = Logger(child=True)


def error_response(error: DomainError) -> Response:
    return Response(status_code=error.status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(error.body(), ensure_ascii=False))


def json_response(status: int, body: dict, headers: dict | None = None) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body=json.dumps(body, ensure_ascii=False), headers=headers or {})


def _validation_detail(errors) -> str:
    parts = []
    for err in errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
        parts.append(f"{where or 'body'}: {err.get('msg', err.get('type'))}")
    return "; ".join(parts)


def resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(DomainError)
    def _domain(e: DomainError):
        if e.status >= 500:
            logger.warning("domain error", extra={"code": e.code, "detail": e.detail})
        return error_response(e)

    @app.exception_handler(RequestValidationError)
    def _invalid(e: RequestValidationError):
        return error_response(DomainError("INVALID_REQUEST", _validation_detail(e.errors())))

    @app.exception_handler(Exception)
    def _unexpected(e: Exception):
        # A bug, not an input: logged with its stack; the caller still gets the contract's shape.
        logger.exception("unhandled error")
        return error_response(DomainError("INTERNAL_ERROR"))

    @app.not_found
    def _not_found(_: NotFoundError):
        return error_response(DomainError("NOT_FOUND"))

    return app


def current_caller(app: APIGatewayHttpResolver) -> Caller:
    return caller_from_event(app.current_event.raw_event)
