"""A person's name holds printable text only (core.names), and the OpenAPI document's pattern says
exactly what the check refuses: every Unicode Cc and Cf character, and nothing else."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest

from core import names
from core.errors import DomainError
from tools.openapi import DOCUMENT


def documented() -> re.Pattern:
    schema = json.loads(DOCUMENT.read_text(encoding="utf-8"))["components"]["schemas"]["Registration"]
    return re.compile(schema["properties"]["candidateName"]["pattern"])


def test_the_document_refuses_exactly_what_the_check_refuses():
    pattern = documented()
    refused = accepted = 0
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:  # surrogates are not text (and JSON bodies cannot carry them unpaired)
            continue
        name = f"名{ch}字"
        if unicodedata.category(ch) in ("Cc", "Cf"):
            assert not pattern.search(name), f"U+{cp:04X}"
            with pytest.raises(DomainError) as e:
                names.check("candidateName", name)
            assert e.value.code == "INVALID_NAME" and f"U+{cp:04X}" in e.value.en and f"U+{cp:04X}" in e.value.zh
            refused += 1
        else:
            assert pattern.search(name), f"U+{cp:04X}"
            assert names.check("candidateName", name) == name
            accepted += 1
    assert refused > 200 and accepted > 1_000_000  # Cc is 65 characters; Cf the bidi controls and more


@pytest.mark.parametrize("cp", [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069])
def test_every_bidi_override_and_isolate_is_refused(cp):
    with pytest.raises(DomainError, match="INVALID_NAME"):
        names.check("candidateName", f"张{chr(cp)}三")
