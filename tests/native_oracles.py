"""Hand-written documents scored on the native engine and checked against an oracle engine: the
table behind tests/test_native_rules_scorecards.py and tests/test_native_bayes_association.py.

A :class:`Case` is a document, the rows to score (missing values, unknown categories, values on
the boundaries) and the oracles that can score it: "pmml4s" (pmmlkit's JVM engine, to
ENGINE_TOLERANCE, columns and dtypes included) and "jpmml" (JPMML-Evaluator, the reference for
what PMML4S cannot score or scores against the standard; values to ENGINE_TOLERANCE).
``skip_columns`` names, per oracle, columns where that oracle is known to depart from the
standard (each with its reason in the case's table).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from harness import ENGINE_FLOOR, ENGINE_TOLERANCE, assert_engines_agree, assert_record_path_agrees

import pmmlkit

HEAD = '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>'


def document(body: str) -> str:
    return textwrap.dedent(f"""<?xml version="1.0"?>
{HEAD}
{body}
</PMML>
""")


@dataclass(frozen=True)
class Case:
    name: str
    document: str
    rows: pd.DataFrame
    oracles: tuple[str, ...]
    skip_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


def table(cases: list[Case]) -> list[tuple[Case, str]]:
    """(case, oracle) for every oracle each case names: the parametrization of a case x engine table."""
    return [(case, oracle) for case in cases for oracle in case.oracles]


def ids(params: list[tuple[Case, str]]) -> list[str]:
    return [f"{case.name}-{oracle}" for case, oracle in params]


def check(case: Case, oracle: str, tmp_path: Path) -> pd.DataFrame:
    """Score ``case`` natively (frame and record paths agree) and compare with ``oracle``."""
    path = tmp_path / f"{case.name}.pmml"
    path.write_text(case.document)
    model = pmmlkit.load(path, engine="native")
    assert model.engine == "native"
    native = model.predict(case.rows)
    assert_record_path_agrees(model, case.rows, native)
    skip = case.skip_columns.get(oracle, ())
    if oracle == "pmml4s":
        want = pmmlkit.load(path).predict(case.rows)
        assert_engines_agree(want.drop(columns=list(skip)), native.drop(columns=list(skip)), case.name)
    elif oracle == "jpmml":
        import jpmml_evaluator  # the AGPL oracle, a test dependency only

        frame = case.rows.astype(object).where(case.rows.notna(), None)
        want = jpmml_evaluator.make_evaluator(str(path)).verify().evaluateAll(frame)
        for name in native.columns:
            if name not in skip:
                assert_same_values(want[name], native[name], f"{case.name}, {name}: native vs JPMML")
    else:
        raise ValueError(oracle)
    return native


def assert_same_values(want: pd.Series, got: pd.Series, label: str) -> None:
    """Equal labels and missing cells; numbers to ENGINE_TOLERANCE (relative). JPMML-Evaluator
    gives an itemset as a list, the native engine as text."""
    assert len(want) == len(got), label
    for i, (a, b) in enumerate(zip(want.tolist(), got.tolist())):
        if isinstance(a, (list, tuple)):  # JPMML's itemset: one item as itself, several as {a,b}
            a = a[0] if len(a) == 1 else "{" + ",".join(map(str, a)) + "}"
        a_missing = a is None or (isinstance(a, float) and np.isnan(a))
        b_missing = b is None or (isinstance(b, float) and np.isnan(b))
        if a_missing or b_missing:
            assert a_missing and b_missing, f"{label}, row {i}: oracle {a!r}, native {b!r}"
        elif isinstance(a, (int, float)) and not isinstance(a, bool):
            assert abs(a - b) <= ENGINE_TOLERANCE * max(abs(a), abs(b)) + ENGINE_FLOOR, \
                f"{label}, row {i}: oracle {a!r}, native {b!r}"
        else:
            assert str(a) == str(b), f"{label}, row {i}: oracle {a!r}, native {b!r}"
