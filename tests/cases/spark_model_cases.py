"""Spark ML model fidelity cases: trees, ensembles and the other models of converters/spark/trees.py
and converters/spark/naive_bayes.py. Same shape as ``cases.spark_cases``: the estimator is an unfitted
Pipeline, the data (fit rows, None, evaluation rows); ``extra_rows`` adds rows exactly at, just
below and just above every split threshold of a fitted tree model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cases import Case
from cases.spark_cases import _assemble, _f, _pipeline, clean, dirty

NUMERIC = ("a", "b", "c")


def _clean_fit_dirty_eval() -> tuple[pd.DataFrame, None, pd.DataFrame]:
    """Fit without missing values; score rows with NaNs in a and b, nulls and unseen categories."""
    fit, _, _ = clean()
    _, _, evaluation = dirty()
    return fit, None, evaluation


def _categories(invalid: str = "keep") -> list:
    return [_f().StringIndexer(inputCols=["cat", "grade"], outputCols=["cat_i", "grade_i"], handleInvalid=invalid)]


def _label_indexer(column: str):
    """Index a string label into ``<column>_label`` (the frames already have a ``label`` column)."""
    return _f().StringIndexer(inputCol=column, outputCol=f"{column}_label")


def _classification():
    from pyspark.ml import classification

    return classification


def _regression():
    from pyspark.ml import regression

    return regression


def _threshold_rows(features: tuple[str, ...]):
    """``extra_rows`` for a model on ``features`` (the assembled columns, in order; names not in the
    fit rows' numeric columns are skipped): a copy of the first fit row per threshold and side."""
    def rows(fitted, fit_rows: pd.DataFrame) -> pd.DataFrame:
        model = fitted.stages[-1] if hasattr(fitted, "stages") else fitted
        trees = model.trees if hasattr(model, "trees") else [model]
        edges: list[tuple[str, float]] = []
        for tree in trees:
            pending = [tree._java_obj.rootNode()]
            while pending:
                node = pending.pop()
                if str(node.getClass().getSimpleName()) != "InternalNode":
                    continue
                split = node.split()
                pending += [node.leftChild(), node.rightChild()]
                name = features[int(split.featureIndex())]
                if str(split.getClass().getSimpleName()) == "ContinuousSplit" and name in NUMERIC:
                    edges.append((name, float(split.threshold())))
        out = []
        base = fit_rows.iloc[0]
        for name, threshold in sorted(set(edges)):
            for value in (threshold, np.nextafter(threshold, -np.inf), np.nextafter(threshold, np.inf)):
                row = base.copy()
                row[name] = value
                out.append(row)
        return pd.DataFrame(out).reset_index(drop=True).astype(fit_rows.dtypes.to_dict())

    return rows


_MIXED = ("cat_i", "grade_i", "a", "c")


def _keep(*columns: str):
    return _assemble(*columns, invalid="keep")


CASES = [
    # -- decision trees --
    Case("dt-classifier", lambda: _pipeline(_assemble(*NUMERIC), _classification().DecisionTreeClassifier(
        maxDepth=5)), clean, _threshold_rows(NUMERIC)),
    Case("dt-classifier-nan", lambda: _pipeline(_keep(*NUMERIC), _classification().DecisionTreeClassifier(
        maxDepth=4)), _clean_fit_dirty_eval),
    Case("dt-classifier-categorical", lambda: _pipeline(*_categories(), _keep(*_MIXED),
                                                        _classification().DecisionTreeClassifier(maxDepth=5)),
         _clean_fit_dirty_eval, _threshold_rows(_MIXED)),
    Case("dt-classifier-string-label", lambda: _pipeline(
        _label_indexer("kind"), _assemble(*NUMERIC),
        _classification().DecisionTreeClassifier(labelCol="kind_label", maxDepth=4)), clean),
    Case("dt-regressor", lambda: _pipeline(_assemble(*NUMERIC), _regression().DecisionTreeRegressor(
        labelCol="y", maxDepth=6)), clean, _threshold_rows(NUMERIC)),
    Case("dt-regressor-categorical", lambda: _pipeline(*_categories(), _keep(*_MIXED),
                                                       _regression().DecisionTreeRegressor(labelCol="y", maxDepth=5)),
         _clean_fit_dirty_eval),
    # -- random forests --
    Case("rf-classifier", lambda: _pipeline(_assemble(*NUMERIC), _classification().RandomForestClassifier(
        numTrees=12, maxDepth=4, seed=3)), clean, _threshold_rows(NUMERIC)),
    Case("rf-classifier-multiclass-categorical", lambda: _pipeline(
        *_categories(), _label_indexer("kind"), _keep(*_MIXED),
        _classification().RandomForestClassifier(labelCol="kind_label", numTrees=8, maxDepth=4, seed=5)), _clean_fit_dirty_eval),
    Case("rf-regressor", lambda: _pipeline(*_categories(), _keep(*_MIXED), _regression().RandomForestRegressor(
        labelCol="y", numTrees=10, maxDepth=4, seed=3)), _clean_fit_dirty_eval, _threshold_rows(_MIXED)),
    # -- gradient-boosted trees --
    Case("gbt-classifier", lambda: _pipeline(_assemble(*NUMERIC), _classification().GBTClassifier(
        maxIter=10, maxDepth=3, seed=3)), clean, _threshold_rows(NUMERIC)),
    Case("gbt-classifier-categorical-string-label", lambda: _pipeline(
        *_categories(), _label_indexer("yes"), _keep(*_MIXED),
        _classification().GBTClassifier(labelCol="yes_label", maxIter=8, maxDepth=3, seed=3)), _clean_fit_dirty_eval),
    Case("gbt-regressor", lambda: _pipeline(*_categories(), _keep(*_MIXED), _regression().GBTRegressor(
        labelCol="y", maxIter=10, maxDepth=3, seed=3)), _clean_fit_dirty_eval, _threshold_rows(_MIXED)),
]

# -- other models (converters/spark/naive_bayes.py) --
_BITS = ("a_01", "c_01")


def _near_ties(features: tuple[str, ...]):
    """``extra_rows`` for a classifier on ``features``: for each pair of classes that lead where
    they meet, the two neighbouring doubles of ``features[0]`` between which Spark's prediction
    flips from one to the other (the first fit row's median values elsewhere), and one step
    further on each side. An evaluator that computes the scores in another order moves the flip."""
    def rows(fitted, fit_rows: pd.DataFrame) -> pd.DataFrame:
        from pyspark.ml.linalg import Vectors

        model = fitted.stages[-1]
        base = fit_rows.iloc[0].copy()
        point = fit_rows[list(features)].median().to_numpy(np.float64)

        def raw(t: float) -> np.ndarray:
            x = point.copy()
            x[0] = t
            return model.predictRaw(Vectors.dense(x)).toArray()

        low, high = float(fit_rows[features[0]].min()), float(fit_rows[features[0]].max())
        grid = np.linspace(low, high, 41)
        leaders = [int(np.argmax(raw(t))) for t in grid]
        out = []
        for k in range(len(grid) - 1):
            if leaders[k] == leaders[k + 1]:
                continue
            a, b = float(grid[k]), float(grid[k + 1])
            while np.nextafter(a, b) != b:  # bisect down to two neighbouring doubles
                middle = a + (b - a) / 2
                if middle in (a, b):
                    break
                a, b = (middle, b) if int(np.argmax(raw(middle))) == leaders[k] else (a, middle)
            for value in (np.nextafter(a, -np.inf), a, b, np.nextafter(b, np.inf)):
                row = base.copy()
                row[list(features)] = point
                row[features[0]] = value
                out.append(row)
        assert out, "the classes never change leader along the line: no near-tie to pin"
        return pd.DataFrame(out).reset_index(drop=True).astype(fit_rows.dtypes.to_dict())

    return rows


CASES += [
    Case("naive-bayes-multinomial", lambda: _pipeline(_assemble("n", "count"), _classification().NaiveBayes(
        labelCol="kind3", smoothing=0.5)), clean),
    Case("naive-bayes-bernoulli", lambda: _pipeline(
        _f().Binarizer(inputCols=["a", "c"], outputCols=list(_BITS), thresholds=[0.0, 0.5]), _assemble(*_BITS),
        _classification().NaiveBayes(modelType="bernoulli")), clean),
    Case("naive-bayes-gaussian", lambda: _pipeline(_assemble(*NUMERIC), _classification().NaiveBayes(
        labelCol="kind3", modelType="gaussian")), clean),
    Case("naive-bayes-gaussian-near-tie", lambda: _pipeline(_assemble(*NUMERIC), _classification().NaiveBayes(
        labelCol="kind3", modelType="gaussian")), clean, _near_ties(NUMERIC)),
    Case("naive-bayes-multinomial-near-tie", lambda: _pipeline(_assemble("count", "n"), _classification().NaiveBayes(
        labelCol="kind3", smoothing=0.5)), clean, _near_ties(("count", "n"))),
]
