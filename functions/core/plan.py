"""A Plan is what one domain decision wants written: the application as it should become, and the
image, seat, reference and audit items that change with it. It is plain data; `core.db.commit`
turns it into one DynamoDB transaction in which every item carries its condition, so the decision
only lands on exactly the state it was computed from (optimistic locking on the application's
`version`, plus each item's own condition). Losing a race means a clean retry from a fresh read,
never a partial write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.clock import Now
from core.models import Application, AuditEntry, Image, Seat
from core.season import WindowCheck


@dataclass(frozen=True)
class Reference:
    """A watermark reference, claimed for one image by a conditional write (unique, not by luck)."""

    reference: str
    application_id: str
    image_id: str
    material_type: str
    watermarked_at: str


@dataclass(frozen=True)
class Likeness:
    """An image's entries in the near-duplicate index (one per band of its perceptual hash)."""

    phash: str
    application_id: str
    image_id: str
    candidate_id: str


@dataclass
class Plan:
    before: Application
    after: Application
    now: Now  # when the decision was made (expiry conditions compare against it)
    # (image, version expected in the table, or None for a new image)
    put_images: list[tuple[Image, int | None]] = field(default_factory=list)
    delete_images: list[Image] = field(default_factory=list)
    # seats taken for a new reservation: free, or held by a reservation that has expired
    take_seats: list[Seat] = field(default_factory=list)
    # seats whose reservation was uploaded and processed: they no longer expire
    keep_seats: list[Seat] = field(default_factory=list)
    release_seats: list[Seat] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    add_likeness: list[Likeness] = field(default_factory=list)
    remove_likeness: list[Likeness] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    # A reviewer's decision lands only while they hold a live claim on the application (R15).
    # Claims do not move `version` (taking one changes nothing a candidate sees), so it is its own condition.
    claim_holder: str | None = None
    # A claim is taken only if nobody else holds a live one when it lands.
    claim_for: str | None = None
    # A candidate's change lands only inside the exam season's window that applies to it (core.season).
    window_check: WindowCheck | None = None
