"""A frame's columns matched to those a model was fitted on: by name, never by position (a
reordered or renamed frame would give a plausible, wrong PMML)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from pmmlkit.errors import ConversionError


def _as_given(name: str) -> str:
    return name


def fitted_columns(frame: pd.DataFrame, fitted: Sequence[str] | None, source: str,
                   stored_name: Callable[[str], str] = _as_given) -> pd.DataFrame:
    """``frame``'s columns in the order the model was fitted on, extra columns dropped, each under
    the frame's own name. ``stored_name`` is how the model's library writes a column's name in the
    fitted model (LightGBM writes ``"a b"`` as ``"a_b"``): a fitted name that is not a column of
    ``frame`` is matched to the one column stored under it. ``fitted`` None (a model fitted on a
    plain array) takes ``frame`` as it is."""
    if fitted is None:
        return frame
    fitted = [str(n) for n in fitted]
    have = [str(c) for c in frame.columns]
    if have == fitted:
        return frame
    chosen: list[str] = []
    missing: list[str] = []
    for name in fitted:
        # The column of that name, or one stored under it: when both are there, which one the model
        # was fitted on cannot be told.
        stored = [c for c in have if c == name or stored_name(c) == name]
        if len(stored) > 1:
            raise ConversionError(f"{source}: the columns {stored} all match the model's input {name!r} (its "
                                  "library stores their names alike); keep only the column the model was fitted on")
        if stored:
            chosen.append(stored[0])
        else:
            missing.append(name)
    if missing:
        unknown = [c for c in have if c not in chosen]
        raise ConversionError(
            f"{source}: the columns {missing}, which the model was fitted on, are missing"
            + (f" (columns the model does not know: {unknown})" if unknown else "")
            + f"; give the model's input columns by name: {fitted}")
    return frame.set_axis(have, axis=1)[chosen]


def array_names(shape: tuple[int, ...], fitted: Sequence[str] | None, source: str) -> list[str] | None:
    """The names of an array's columns: those the model was fitted on, which the array must match in
    number; None for a model fitted without names (x1, x2, ...)."""
    if fitted is None or len(shape) != 2:
        return None
    names = [str(n) for n in fitted]
    if shape[1] != len(names):
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        raise ConversionError(f"{source} is an array of {shape[1]} columns without names, but the model was fitted "
                              f"on {len(names)} named columns ({shown}): pass a DataFrame with those columns")
    return names
