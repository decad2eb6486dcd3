"""What every model shares: the bases (strict requests, deferred builds), the field types, and the
error body every route may answer with."""

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.reasons import REVIEW_REASONS


def _integral(value):
    """JSON Schema's (and the document's) "integer" is any number with no fractional part, 2.0 too;
    strict mode would refuse that float. Strings and booleans stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def integer(**bounds):
    """A strict integer field type with its bounds (ge, le), taking 2.0 as 2. The bounds come first:
    after the validator, pydantic's JSON schema would name them "ge"/"le" instead of minimum/maximum."""
    return Annotated[int, Field(**bounds), BeforeValidator(_integral)]


MAX_VERSION = 2**53 - 1  # the largest integer every JSON client reads exactly
ReviewReason = Literal[tuple(REVIEW_REASONS)]  # type: ignore[valid-type]
Note = Annotated[str | None, Field(default=None, max_length=500)]
MaterialTypeCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]

# ---------------------------------------------------------------- the models' bases and the error body


class Model(BaseModel):
    # Validators are built on first use, not at import: a cold start pays only for the models of
    # the route it serves (each function declares dozens it may never use in that instance).
    model_config = ConfigDict(defer_build=True)


class RequestModel(Model):
    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True, defer_build=True)


class ErrorDetail(Model):
    code: str = Field(description="stable machine code (api-contract.md \"Errors\")")
    message: str
    messageZh: str


class ErrorBody(Model):
    error: ErrorDetail
