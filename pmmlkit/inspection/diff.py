"""What changes when one version of a model replaces another: interface, structure and scores.

The interface is what a client sees: inputs (added, removed, retyped; categories added or
removed) and outputs (added, removed, retyped). A change there can break a serving client. Scores
are compared on a sample when one is given: per common output, the largest and mean absolute
difference for numbers, the number of labels that flip for categories, and the rows that changed
most.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from .summary import Summary

# `pmmlkit diff` exit code bits (0: same interface, scores within tolerance or not compared).
SCORES_MOVED = 4
INTERFACE_CHANGED = 8


def diff_summaries(old: Summary, new: Summary) -> dict[str, Any]:
    """Interface and structure differences between two summaries."""
    report: dict[str, Any] = {}
    old_inputs, new_inputs = _compare(report, "inputs", old, new, _type)
    categories = []
    for name in old_inputs:
        if name in new_inputs:
            before, after = old_inputs[name].get("values") or [], new_inputs[name].get("values") or []
            added, removed = [v for v in after if v not in before], [v for v in before if v not in after]
            if added or removed:
                categories.append({"name": name, "added": added, "removed": removed})
    report["categories_changed"] = categories
    _compare(report, "outputs", old, new, _output_type)
    structure = []
    for key in ("model", "function"):
        if old[key] != new[key]:
            structure.append({"what": key, "old": old[key], "new": new[key]})
    for key in sorted(set(old["size"]) | set(new["size"])):
        if old["size"].get(key) != new["size"].get(key):
            structure.append({"what": key, "old": old["size"].get(key), "new": new["size"].get(key)})
    report["structure_changed"] = structure
    # A client breaks when an input it must send appears, one it sends disappears or changes type,
    # a category it may send is no longer accepted, or an output it reads goes or changes.
    report["interface_changed"] = bool(
        report["inputs_added"] or report["inputs_removed"] or report["inputs_retyped"]
        or any(c["removed"] for c in categories) or report["outputs_removed"] or report["outputs_retyped"])
    return report


def diff_scores(old_scores: pd.DataFrame, new_scores: pd.DataFrame, tolerance: float = 1e-9,
                most_changed: int = 5) -> dict[str, Any]:
    """Score differences per common output column on the same rows."""
    per_output: dict[str, Any] = {}
    change = np.zeros(len(old_scores))
    moved = False
    for name in [c for c in old_scores.columns if c in new_scores.columns]:
        a, b = old_scores[name], new_scores[name]
        numeric = pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b)
        if numeric:
            x, y = a.to_numpy(dtype=np.float64, na_value=np.nan), b.to_numpy(dtype=np.float64, na_value=np.nan)
            both_missing = np.isnan(x) & np.isnan(y)
            delta = np.where(both_missing, 0.0, np.abs(x - y))
            delta = np.where(np.isnan(delta), np.inf, delta)  # a value that appears or vanishes
            scale = np.maximum(1.0, np.abs(np.where(np.isnan(x), 0.0, x)))
            # max and mean over the rows both versions score (strict JSON has no inf or NaN); a value
            # that appears or vanishes is counted on its own, and beyond any tolerance.
            one_sided = np.isnan(x) != np.isnan(y)
            both = delta[~one_sided]
            per_output[name] = {"max_abs_diff": float(both.max()) if len(both) else 0.0,
                                "mean_abs_diff": float(both.mean()) if len(both) else 0.0,
                                "rows_scored_by_one": int(one_sided.sum()),
                                "rows_beyond_tolerance": int((delta > tolerance * scale).sum())}
            moved |= per_output[name]["rows_beyond_tolerance"] > 0
            change = np.maximum(change, np.where(np.isinf(delta), np.finfo(float).max, delta))
        else:
            flips = ~((a == b) | (a.isna() & b.isna())).to_numpy()
            per_output[name] = {"labels_flipped": int(flips.sum())}
            moved |= bool(flips.any())
            change = np.maximum(change, flips.astype(float))
    order = np.argsort(-change, kind="stable")[:most_changed]
    return {"rows": len(old_scores), "tolerance": tolerance, "outputs": per_output, "scores_moved": bool(moved),
            "most_changed_rows": [int(i) for i in order if change[i] > 0]}


def diff(old: Summary, new: Summary, sample: pd.DataFrame | None = None,
         score_old: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
         score_new: Callable[[pd.DataFrame], pd.DataFrame] | None = None, tolerance: float = 1e-9) -> dict[str, Any]:
    """The whole report; scores are compared when a sample and both scorers are given."""
    report = diff_summaries(old, new)
    if sample is not None and score_old is not None and score_new is not None:
        report["scores"] = diff_scores(score_old(sample), score_new(sample), tolerance)
        # Inputs a version reads that the sample does not hold are scored as missing: said, not hidden.
        absent = {side: [f["name"] for f in summary["inputs"] if f["name"] not in sample.columns]
                  for side, summary in (("old", old), ("new", new))}
        report["scores"]["inputs_not_in_sample"] = absent
    report["exit_code"] = exit_code(report)
    return report


def exit_code(report: dict[str, Any]) -> int:
    code = INTERFACE_CHANGED if report["interface_changed"] else 0
    if report.get("scores", {}).get("scores_moved"):
        code |= SCORES_MOVED
    return code


def text(report: dict[str, Any]) -> str:
    """The report as lines a person reads."""
    lines = []
    for key, label in (("inputs_added", "inputs added"), ("inputs_removed", "inputs removed"),
                       ("outputs_added", "outputs added"), ("outputs_removed", "outputs removed")):
        if report[key]:
            lines.append(f"{label}: {', '.join(report[key])}")
    for item in report["inputs_retyped"]:
        lines.append(f"input {item['name']} retyped: {item['old']} -> {item['new']}")
    for item in report["outputs_retyped"]:
        lines.append(f"output {item['name']} retyped: {item['old']} -> {item['new']}")
    for item in report["categories_changed"]:
        parts = ([f"added {', '.join(item['added'])}"] if item["added"] else []) + \
            ([f"removed {', '.join(item['removed'])}"] if item["removed"] else [])
        lines.append(f"input {item['name']} categories: {'; '.join(parts)}")
    for item in report["structure_changed"]:
        lines.append(f"{item['what']}: {item['old']} -> {item['new']}")
    scores = report.get("scores")
    if scores:
        for name, facts in scores["outputs"].items():
            if "labels_flipped" in facts:
                lines.append(f"{name}: {facts['labels_flipped']} of {scores['rows']} labels flip")
            else:
                one = facts["rows_scored_by_one"]
                lines.append(f"{name}: max |diff| {facts['max_abs_diff']:.3g}, mean {facts['mean_abs_diff']:.3g}, "
                             f"{facts['rows_beyond_tolerance']} rows beyond {scores['tolerance']:g}"
                             + (f" ({one} scored by one version only)" if one else ""))
        for side, names in scores.get("inputs_not_in_sample", {}).items():
            if names:
                lines.append(f"{side} version's inputs not in the sample, scored as missing: {', '.join(names)}")
        if scores["most_changed_rows"]:
            lines.append("rows changed most: " + ", ".join(map(str, scores["most_changed_rows"])))
    verdict = ("interface changed" if report["interface_changed"] else "same interface") + (
        "" if not scores else ("; scores moved" if scores["scores_moved"] else "; scores equal within tolerance"))
    lines.append(verdict)
    return "\n".join(lines)


def _compare(report: dict[str, Any], what: str, old: Summary, new: Summary, type_of: Callable[[dict[str, Any]], str]
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """``what`` ("inputs" or "outputs") added, removed and retyped, into ``report``; both sides by name."""
    before = {f["name"]: f for f in old[what]}
    after = {f["name"]: f for f in new[what]}
    report[f"{what}_added"] = [n for n in after if n not in before]
    report[f"{what}_removed"] = [n for n in before if n not in after]
    report[f"{what}_retyped"] = [{"name": n, "old": type_of(before[n]), "new": type_of(after[n])}
                                 for n in before if n in after and type_of(before[n]) != type_of(after[n])]
    return before, after


def _type(field: dict[str, Any]) -> str:
    return f"{field.get('optype')} {field.get('dataType')}"


def _output_type(output: dict[str, Any]) -> str:
    return f"{output.get('feature')} {output.get('dataType')}"
