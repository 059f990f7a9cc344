"""Spans of numbers a SimplePredicate accepts: (low, low included, high, high included).

The tree rules use them to find Nodes no record reaches (a span its ancestors exclude) and Nodes
whose children leave a gap (records that get no score).
"""

from __future__ import annotations

import math

from .vocabulary import number

Span = tuple[float, bool, float, bool]


def span(numeric: bool, operator: str | None, text: str | None) -> Span | None:
    """The values a numeric SimplePredicate accepts, as (low, low included, high, high included)."""
    if not numeric or text is None:
        return None
    value = number(text)
    if value is None or math.isnan(value):
        return None
    if operator == "lessOrEqual":
        return (-math.inf, False, value, True)
    if operator == "greaterThan":
        return (value, False, math.inf, False)
    if operator == "lessThan":
        return (-math.inf, False, value, False)
    if operator == "greaterOrEqual":
        return (value, True, math.inf, False)
    if operator == "equal":
        return (value, True, value, True)
    return None


def intersect(a: Span, b: Span) -> Span | None:
    """The values both spans accept, or None when there are none."""
    # The higher low bound wins; on a tie the exclusive one. Likewise for the high bound.
    low, low_in = (a[0], a[1]) if a[0] > b[0] or (a[0] == b[0] and not a[1]) else (b[0], b[1])
    high, high_in = (a[2], a[3]) if a[2] < b[2] or (a[2] == b[2] and not a[3]) else (b[2], b[3])
    if low > high or (low == high and not (low_in and high_in)):
        return None
    return (low, low_in, high, high_in)


def covers(spans: list[Span], whole: Span) -> bool:
    """Whether the union of ``spans`` contains every value of ``whole``."""
    low, low_in, high, high_in = whole
    # Every value of ``whole`` below ``reach`` is covered; ``reach_in``: ``reach`` itself is (or needs no cover).
    reach, reach_in = low, (not low_in) or low == -math.inf

    def done() -> bool:
        return reach == math.inf or reach > high or (reach == high and (reach_in or not high_in))

    for s_low, s_low_in, s_high, s_high_in in sorted(spans, key=lambda s: (s[0], not s[1])):
        if done():
            return True
        if s_low > reach or (s_low == reach and not s_low_in and not reach_in):
            return False
        if s_high > reach:
            reach, reach_in = s_high, s_high_in
        elif s_high == reach:
            reach_in = reach_in or s_high_in
    return done()
