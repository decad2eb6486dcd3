"""What every model shares: the bases (strict requests, deferred builds), the field types, and the
error body every route may answer with."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from core.reasons import REVIEW_REASONS


def _integral(value):
    """JSON Schema's (and the document's) "integer" is any number with no fractional part, 2.0 too;
    strict mode would refuse that float. Strings and booleans stay refused."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Strict integer field types with their bounds, taking 2.0 as 2. The bounds come first: after the
# validator, pydantic's JSON schema would name them "ge"/"le" instead of minimum/maximum.
Integral = BeforeValidator(_integral)
MAX_VERSION = 2**53 - 1  # the largest integer every JSON client reads exactly
Version = Annotated[int, Field(ge=1, le=MAX_VERSION), Integral]
ExamYear = Annotated[int, Field(ge=2000, le=2100), Integral]
Count = Annotated[int, Field(ge=1, le=10), Integral]
Bytes = Annotated[int, Field(ge=1), Integral]
if TYPE_CHECKING:
    ReviewReason = str  # a type checker cannot read a Literal built from the table: its members are strings
else:
    ReviewReason = Literal[tuple(REVIEW_REASONS)]


# ---------------------------------------------------------------- what the domain checks, in the document
# A value the domain refuses with a code of its own (INVALID_PHONE, UNKNOWN_CATEGORY, ...) is described in
# the document as the domain decides it, so what the document allows the server takes (schemathesis'
# positive_data_acceptance, tests/local/test_schemathesis.py). Computed when the document is generated
# (json_schema_extra), never when a function starts.


def stated(**keywords: Callable[[], object]) -> Callable[[dict], None]:
    """json_schema_extra giving each JSON Schema keyword its value, e.g. stated(enum=categories)."""
    def extra(schema: dict) -> None:
        for keyword, value in keywords.items():
            schema[keyword] = value()
    return extra


def _first_catalogue() -> dict:
    """The catalogue's first version (deploy/catalogue.json: the office edits materials, not these lists;
    a whole new file is published by an operator, and the document is generated again)."""
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[3] / "deploy" / "catalogue.json").read_text(encoding="utf-8"))


def categories() -> list[str]:
    return list(_first_catalogue()["categories"])


def household_regions() -> list[str]:
    return sorted(_first_catalogue()["householdRegions"])


def phone_pattern() -> str:
    from notify.contacts import PHONE_PATTERN

    return PHONE_PATTERN


def max_upload_bytes() -> int:
    from core.catalog import MAX_BYTES

    return MAX_BYTES


def content_type_pattern() -> str:
    from core.uploads import CONTENT_TYPE_PATTERN

    return CONTENT_TYPE_PATTERN
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
