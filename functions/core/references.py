"""A watermark's reference (R7), as the exam office types it back from a leaked copy.

The watermark prints it as ``#N1FG2Z9XJ2``: Crockford's base32 without I, L, O and U, so what a person
reads off a photo maps back to one reference. The hash sign, spaces, lower case and the letters the
alphabet leaves out for their look-alikes (O for 0, I and L for 1) are read as meant.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10  # 50 bits: unique by a conditional write, and a collision is a one-in-10^15 redraw
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SHAPE = re.compile(f"[{ALPHABET}]{{8,16}}")


def normalise(typed: str) -> str | None:
    """The reference a person means, or None when what was typed cannot be one (then it is simply not found).
    Percent-escapes are undone here: API Gateway passes a path decoded, the router of the local stack as sent."""
    text = "".join(ch for ch in unquote(typed) if not ch.isspace() and ch != "#").upper().translate(_LOOK_ALIKES)
    return text if _SHAPE.fullmatch(text) else None
