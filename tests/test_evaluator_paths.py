"""The column path (a DataFrame) and the record path (one dict per row) give identical outputs on
every evaluation row of the scikit-learn fidelity table's cases: both paths cross the same input
contract. A list of records (scored through the column path when it is long) gives what the records
give one by one.

The harness does not keep converted documents, so this converts again; to stay cheap it takes a
representative subset of the table: the cases that, in table order, first exercise each converter
class (every class the table covers is covered here too, with its NaN, category and edge rows)."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest
from cases import all_cases

import pmmlkit


def _classes(estimator) -> set[type]:
    found = {type(estimator)}
    if hasattr(estimator, "get_params"):
        for value in estimator.get_params(deep=True).values():
            if hasattr(value, "get_params") and not isinstance(value, type):
                found.add(type(value))
    return found


def _representative() -> list:
    covered: set[type] = set()
    chosen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in all_cases("sklearn"):
            if case.xfail is not None:
                continue
            classes = _classes(case.estimator())
            if classes - covered:
                chosen.append(case)
                covered |= classes
    return chosen


CASES = _representative()


def _same(frame_value, record_value) -> bool:
    if record_value is None:
        return frame_value is None or (isinstance(frame_value, float) and math.isnan(frame_value))
    return type(frame_value)(record_value) == frame_value if isinstance(record_value, (int, float)) \
        else record_value == frame_value


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_record_path_equals_column_path(case, tmp_path):
    X, y, X_eval = case.data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        estimator = case.estimator().fit(X, y)
    if case.extra_rows is not None:
        X_eval = pd.concat([X_eval, case.extra_rows(estimator, X)], ignore_index=True)
    model = pmmlkit.load(pmmlkit.convert(estimator, X).save(tmp_path / "model.pmml"), warm=False)
    columns = model.predict(X_eval)
    records = X_eval[model.input_names].to_dict("records")
    singles = []
    for i, record in enumerate(records):
        got = model.predict(record)
        singles.append(got)
        for name in columns.columns:
            want = columns[name].iloc[i]
            want = want.item() if hasattr(want, "item") else want
            assert _same(want, got[name]), (i, name, got[name], want, record)
    together = model.predict(records)
    assert len(records) > 16 and together == singles
