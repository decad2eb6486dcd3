"""A person's name as the system stores and shows it: printable text only.

A name is compared by reviewers with the identity card in the pictures and shown on every page, list
and search result. Control characters (Unicode Cc), format characters (Cf: zero-width spaces, the
bidirectional overrides U+202A-U+202E and isolates U+2066-U+2069 among them) print as nothing or turn
the text around them, so "张三" and "张\u200b三" would look alike and an override could show a
reviewer another name than the one stored. Such a name is refused (INVALID_NAME), never cleaned up:
the registration system holds the record and must fix it there.
"""

from __future__ import annotations

import sys
import unicodedata

from core.errors import DomainError

UNPRINTABLE = ("Cc", "Cf")


def first_unprintable(value: str) -> str | None:
    return next((ch for ch in value if unicodedata.category(ch) in UNPRINTABLE), None)


def check(field: str, value: str) -> str:
    """`value` if it is a printable name; INVALID_NAME naming the first character that is not."""
    found = first_unprintable(value)
    if found is not None:
        code = f"U+{ord(found):04X}"
        raise DomainError(
            "INVALID_NAME",
            f"{field} holds {code} ({unicodedata.name(found, 'a control character')}): a name cannot hold control, "
            "format or text-direction characters. Correct it in the registration system.",
            f"{field} 含有不可见的控制、格式或文字方向字符 {code},不能作为姓名,请在报名系统中更正。")
    return value


def _ranges() -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) in UNPRINTABLE:
            if out and out[-1][1] == cp - 1:
                out[-1] = (out[-1][0], cp)
            else:
                out.append((cp, cp))
    return out


def _escape(cp: int) -> str:
    # \\uXXXX reads the same in Python's and ECMA-262's regular expressions; a character beyond the BMP
    # is written as itself (a JSON Schema pattern is matched with Unicode semantics).
    return f"\\u{cp:04x}" if cp <= 0xFFFF else chr(cp)


def document_pattern(schema: dict) -> None:
    """The OpenAPI document's statement of `check`: JSON Schema's pattern for a name (json_schema_extra;
    computed when the document is generated, never at a function's start)."""
    classes = "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in _ranges())
    schema["pattern"] = f"^[^{classes}]+$"
    schema["description"] = (schema.get("description", "") + "; no control, format or text-direction character "
                             "(Unicode Cc, Cf): 400 INVALID_NAME").lstrip("; ")
