"""SimpleImputer (and its optional missing-value indicators)."""

from __future__ import annotations

from typing import Any

from lxml import etree
from sklearn.impute import SimpleImputer

from pmmlkit.builders.expressions import constant, equal, flag, if_else, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context, Converter
from pmmlkit.pmml import plain

from .fitted import attribute, n_features


def converters() -> dict[type, Converter]:
    return {SimpleImputer: convert_simple_imputer}


def is_nan_marker(value: Any) -> bool:
    """True for the markers scikit-learn treats as "NaN-like" (np.nan, None, pd.NA)."""
    if value is None:
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def non_missing(values: Any) -> list[Any]:
    """The categories that are not NaN-like markers, as Python scalars (scikit-learn lists None
    and NaN last among a column's categories when it saw them)."""
    return [plain(v) for v in values if not is_nan_marker(v)]


def missing_condition(field: Field, marker: Any) -> etree._Element:
    """A boolean expression: is ``field`` missing in scikit-learn's sense (``missing_values=marker``)?

    A NaN marker is PMML's own notion of missing. Any other marker is compared explicitly rather
    than declared on the DataField, so that other steps reading the same column still see it.
    """
    if is_nan_marker(marker):
        return is_missing(field)
    data_type = "string" if isinstance(marker, str) else "double"
    return equal(field, marker, data_type)


def convert_simple_imputer(imputer: Any, features: list[Field], context: Context) -> list[Field]:
    statistics = attribute(imputer, context, "statistics_")
    context.expect_features(features, n_features(imputer, context), imputer)
    marker = imputer.missing_values
    outputs = []
    for field, statistic in zip(features, statistics):
        if is_nan_marker(statistic):
            # scikit-learn drops a column that was all missing in fit (unless keep_empty_features,
            # in which case statistics_ holds the fill value and we never get here).
            continue
        statistic = plain(statistic)
        if isinstance(statistic, str):
            data_type, optype = "string", "categorical"
        elif field.is_numeric or isinstance(statistic, (int, float)):
            data_type, optype, statistic = "double", "continuous", float(statistic)
        else:
            raise context.error(f"SimpleImputer fills {field.name!r} with {statistic!r}, which is neither "
                                "a number nor a string; use a numeric or string fill_value")
        if not field.is_numeric and data_type == "double":
            raise context.error(f"SimpleImputer fills the string column {field.name!r} with the number "
                                f"{statistic!r}; convert the column to numbers or use a string fill_value")
        if is_nan_marker(marker):
            expression = ref(field, map_missing_to=statistic)
        else:
            expression = if_else(missing_condition(field, marker), constant(statistic, data_type), ref(field))
        outputs.append(context.scope.derive(f"imputed({field.name})", expression, optype, data_type))
    if imputer.add_indicator:
        indicator = attribute(imputer, context, "indicator_")
        if getattr(indicator, "features", "missing-only") not in ("missing-only", "all"):
            raise context.error(f"SimpleImputer: indicator features={indicator.features!r} is not supported")
        for index in attribute(indicator, context, "features_"):
            field = features[int(index)]
            outputs.append(context.scope.derive(f"missingIndicator({field.name})",
                                                flag(missing_condition(field, marker))))
    return outputs
