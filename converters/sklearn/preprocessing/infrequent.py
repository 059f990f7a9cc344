"""OneHotEncoder with infrequent categories (``min_frequency`` / ``max_categories``).

For each feature, scikit-learn writes one column per frequent category (in ``categories_``
order), then, when the feature has infrequent categories, one last column that is 1 for any of
them. An unknown value is all zeros, except with ``handle_unknown="infrequent_if_exist"`` on a
feature that has infrequent categories: it counts as infrequent. NaN is a category like the
others (frequent, infrequent or unseen). With ``handle_unknown="error"`` scikit-learn raises on
an unknown value; the PMML then scores it as missing (no prediction) rather than guess.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from pmmlkit.builders.expressions import apply, constant, flag, if_else, indicator, is_missing, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context
from pmmlkit.pmml import format_value, plain

from ..fitted import attribute
from ..impute import is_nan_marker


def convert_infrequent_one_hot(encoder: Any, features: list[Field], context: Context) -> list[Field]:
    categories = attribute(encoder, context, "categories_")
    infrequent = attribute(encoder, context, "infrequent_categories_")
    context.expect_features(features, len(categories), encoder)
    if encoder.drop is not None:
        raise context.error("OneHotEncoder with infrequent categories and drop=... is not converted; "
                            "fit it with drop=None")
    unknown = encoder.handle_unknown
    if unknown not in ("error", "ignore", "infrequent_if_exist", "warn"):
        raise context.error(f"OneHotEncoder(handle_unknown={unknown!r}) is not supported")
    outputs = []
    for field, values, rare in zip(features, categories, infrequent):
        rare = [] if rare is None else [plain(v) for v in rare]
        rare_nan = any(is_nan_marker(v) for v in rare)
        rare_values = [v for v in rare if not is_nan_marker(v)]
        frequent = [plain(v) for v in values if not any(_same(v, r) for r in rare)]
        frequent_nan = any(is_nan_marker(v) for v in frequent)
        frequent_values = [v for v in frequent if not is_nan_marker(v)]
        data_type = "double" if field.is_numeric else "string"
        for v in frequent_values + rare_values:
            if isinstance(v, str) == field.is_numeric:
                raise context.error(f"OneHotEncoder: category {v!r} does not match the {field.data_type} column "
                                    f"{field.name!r}; encode a column of one type")
        guard = None
        if unknown == "error":
            known = frequent_values + rare_values
            seen = apply("if", _is_in(field, known, data_type), constant(1.0))  # missing when unseen
            # A missing value is known when NaN was a category; else isIn leaves the guard missing too.
            guard = if_else(is_missing(field), constant(1.0), seen) if frequent_nan or rare_nan else seen
        columns = []
        for v in frequent:
            name = f"{field.name}={format_value(v)}"
            if is_nan_marker(v):
                columns.append((name, flag(is_missing(field))))
            else:
                columns.append((name, indicator(field, v, map_missing_to=0.0)))
        if rare:
            if unknown == "infrequent_if_exist":
                # Not a frequent category (missing counts as one when NaN is frequent).
                present = apply("not", _is_in(field, frequent_values, data_type)) if frequent_values \
                    else constant(True, "boolean")
                expression = if_else(is_missing(field), constant(0.0 if frequent_nan else 1.0),
                                     flag(present))
            else:
                expression = if_else(is_missing(field), constant(1.0 if rare_nan else 0.0),
                                     flag(_is_in(field, rare_values, data_type)) if rare_values else constant(0.0))
            columns.append((f"{field.name}=infrequent", expression))
        if guard is not None:
            guard_field = context.scope.derive(f"seen({field.name})", guard)
            columns = [(name, apply("*", expression, ref(guard_field))) for name, expression in columns]
        outputs += [context.scope.derive(name, expression) for name, expression in columns]
    return outputs


def _same(a: Any, b: Any) -> bool:
    if is_nan_marker(a) or is_nan_marker(b):
        return is_nan_marker(a) and is_nan_marker(b)
    return plain(a) == plain(b)


def _is_in(field: Field, values: list[Any], data_type: str) -> etree._Element:
    return apply("isIn", ref(field), *[constant(v, data_type) for v in values])
