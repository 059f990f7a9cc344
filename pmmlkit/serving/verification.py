"""Check a loaded model against the ModelVerification rows its document embeds, before it takes
traffic. The comparison is :mod:`pmmlkit.verification`'s, the same as ``pmmlkit verify FILE`` and
``pmmlkit validate --verify``: a file the server serves is a file ``pmmlkit verify`` accepts."""

from __future__ import annotations

from lxml import etree

from ..scoring.evaluator import Model
from ..verification import check_embedded, shown


def verification_problem(model: Model, root: etree._Element) -> str | None:
    """None when the document has no verification rows or scores all of them as they say; else
    what differs, first row first."""
    outcome = check_embedded(model, root)
    if outcome.ok:
        return None
    first = min(outcome.mismatches, key=lambda m: m.first)
    return (f"verification row {first.first}: {first.field} is {shown(first.scored)}, the document expects "
            f"{first.expected!r} ({first.tolerance})")
