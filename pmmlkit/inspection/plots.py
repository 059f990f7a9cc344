"""Pictures of a PMML model (the optional ``[plot]`` extra: matplotlib). Each returns a Figure.

matplotlib is imported when a picture is asked for, not with pmmlkit: it is an optional extra,
and a missing one is a PMMLError that names the install command.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

from ..errors import PMMLError
from .trees import flatten, tree_models


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")  # files, not windows: works without a display
        import matplotlib.pyplot as plt
    except ImportError:
        raise PMMLError("pictures need matplotlib: pip install 'pmmlkit[plot]'") from None
    return plt


def importance_figure(importance: pd.Series, top: int = 20) -> Any:
    """Horizontal bars, largest at the top, one per input (at most ``top``)."""
    plt = _pyplot()
    shown = importance.sort_values(ascending=False).head(top)[::-1]
    figure, axes = plt.subplots(figsize=(6, 0.35 * len(shown) + 1.2))
    axes.barh(list(shown.index), shown.to_numpy())
    axes.set_xlabel(f"importance ({importance.name})")
    axes.set_title("Input importance")
    figure.tight_layout()
    return figure


def tree_figure(root: etree._Element, tree: int = 0, max_depth: int = 3) -> Any:
    """One TreeModel of the document (``tree``: its position, 0 first) drawn to ``max_depth``, each
    node labelled with the predicate that leads to it and, at leaves, its score."""
    plt = _pyplot()
    trees = tree_models(root)
    if not trees:
        raise PMMLError("the document has no TreeModel to draw")
    if not 0 <= tree < len(trees):
        raise PMMLError(f"tree {tree} does not exist: the document has {len(trees)} trees (0 to {len(trees) - 1})")
    flat = flatten(trees[tree])
    shown = [j for j in range(flat.size) if flat.depth[j] <= max_depth]
    # x: leaves of the shown tree spread evenly; a parent sits above the middle of its children.
    x = np.zeros(flat.size)
    next_x = 0.0
    for j in reversed(shown):
        kids = [c for c in flat.children[flat.child_start[j]:flat.child_start[j + 1]] if flat.depth[c] <= max_depth]
        if kids:
            x[j] = float(np.mean(x[kids]))
    for j in shown:
        kids = [c for c in flat.children[flat.child_start[j]:flat.child_start[j + 1]] if flat.depth[c] <= max_depth]
        if not kids:
            x[j] = next_x
            next_x += 1.0
    for j in reversed(shown):
        kids = [c for c in flat.children[flat.child_start[j]:flat.child_start[j + 1]] if flat.depth[c] <= max_depth]
        if kids:
            x[j] = float(np.mean(x[kids]))
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * next_x), 1.6 * (max_depth + 1)))
    for j in shown:
        for c in flat.children[flat.child_start[j]:flat.child_start[j + 1]]:
            if flat.depth[c] <= max_depth:
                axes.plot([x[j], x[c]], [-flat.depth[j], -flat.depth[c]], color="0.6", zorder=1)
        label = _predicate_text(flat.predicates[j])
        score = flat.nodes[j].get("score")
        if score is not None and flat.is_leaf[j]:
            label += f"\nscore {score}"
        elif flat.depth[j] == max_depth and not flat.is_leaf[j]:
            label += "\n..."
        axes.text(x[j], -flat.depth[j], label, ha="center", va="center", fontsize=7,
                  bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "0.4"}, zorder=2)
    axes.set_axis_off()
    axes.set_title(f"Tree {tree} (to depth {max_depth})")
    figure.tight_layout()
    return figure


def score_figure(scores: pd.Series, bins: int = 30) -> Any:
    """A histogram of one output's scores on a sample."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    values = pd.to_numeric(scores, errors="coerce").dropna().to_numpy()
    axes.hist(values, bins=bins)
    axes.set_xlabel(str(scores.name))
    axes.set_ylabel("records")
    axes.set_title(f"Scores on {len(values)} records")
    figure.tight_layout()
    return figure


def comparison_figure(source: np.ndarray, pmml: np.ndarray, name: str = "score") -> Any:
    """The source model's scores against the PMML's (the verification picture): points on the diagonal agree."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.scatter(source, pmml, s=6)
    low, high = float(np.nanmin([source.min(), pmml.min()])), float(np.nanmax([source.max(), pmml.max()]))
    axes.plot([low, high], [low, high], color="0.5", linewidth=1)
    axes.set_xlabel(f"source model {name}")
    axes.set_ylabel(f"PMML {name}")
    axes.set_title(f"max |difference| {float(np.nanmax(np.abs(source - pmml))):.3g}")
    figure.tight_layout()
    return figure


def dependence_figure(grid: np.ndarray, average: np.ndarray, input_name: str, output: str) -> Any:
    """Partial dependence: the mean score as one input takes each grid value for every record."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(grid, average, marker="o", markersize=3)
    axes.set_xlabel(input_name)
    axes.set_ylabel(f"mean {output}")
    axes.set_title(f"Partial dependence on {input_name}")
    figure.tight_layout()
    return figure


def partial_dependence(score: Any, sample: pd.DataFrame, input_name: str, points: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """(grid, mean score): ``score(frame)`` returns one number per record."""
    column = pd.to_numeric(sample[input_name], errors="coerce").dropna()
    if column.empty:
        raise PMMLError(f"partial dependence needs numeric values of {input_name!r} in the sample")
    grid = np.unique(np.quantile(column, np.linspace(0, 1, points)))
    average = []
    for value in grid:
        frame = sample.copy()
        frame[input_name] = value
        average.append(float(np.nanmean(np.asarray(score(frame), dtype=np.float64))))
    return grid, np.array(average)


def _predicate_text(predicate: etree._Element | None) -> str:
    if predicate is None:
        return "?"
    kind = etree.QName(predicate).localname
    if kind == "True":
        return "otherwise" if predicate.getparent().getparent() is not None and \
            etree.QName(predicate.getparent().getparent()).localname == "Node" else "root"
    if kind == "SimplePredicate":
        symbols = {"lessOrEqual": "<=", "lessThan": "<", "greaterThan": ">", "greaterOrEqual": ">=",
                   "equal": "==", "notEqual": "!="}
        operator = predicate.get("operator")
        value = predicate.get("value")
        try:
            value = f"{float(value):.4g}"
        except (TypeError, ValueError):
            pass
        return f"{predicate.get('field')} {symbols.get(operator, operator)} {value if value is not None else ''}".strip()
    if kind == "SimpleSetPredicate":
        return f"{predicate.get('field')} {predicate.get('booleanOperator')} {{...}}"
    return kind
