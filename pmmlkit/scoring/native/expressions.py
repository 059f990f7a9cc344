"""Transformations: DerivedFields and the expressions they use, compiled into column functions.

FieldRef, Constant, NormContinuous, NormDiscrete, Discretize, MapValues and Apply (the built-in
functions of :mod:`.functions`, ``if``, ``isIn``/``isNotIn`` and DefineFunctions); each compiled
expression maps an :class:`~.ir.Env` to one column over the batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...pmml import tag_of
from .fields import NUMERIC, cast, elements, first, parse_value, read_interval
from .functions import ARITY, FUNCTIONS, _numbers, _texts
from .ir import Column, CompiledExpression, Env, missing_mask, unsupported


def _fill(values: Column, mask: np.ndarray, replacement: Any) -> Column:
    if not mask.any():
        return values
    if values.dtype != object:
        if isinstance(replacement, str):
            values = values.astype(object)
            values[np.isnan(values.astype(np.float64))] = None
        else:
            out = values.copy()
            out[mask] = replacement
            return out
    out = values.copy()
    out[mask] = replacement
    return out


def _constant_value(text: str | None, data_type: str | None) -> Any:
    """A constant as its column holds it: a float for numeric types (and untyped numbers), else text."""
    if text is None:
        return None
    if data_type is None:
        try:
            return float(text.strip())
        except ValueError:
            return text
    return parse_value(text, data_type in NUMERIC)


def _column_of(value: Any, rows: int) -> Column:
    if value is None:
        return np.full(rows, None, dtype=object)
    if isinstance(value, str):
        out = np.empty(rows, dtype=object)
        out[:] = value
        return out
    return np.full(rows, float(value))


class Compiler:
    """Compiles expressions against the fields a document declares (``types``: name -> dataType)."""

    def __init__(self, types: dict[str, str | None], functions: dict[str, Any]) -> None:
        self.types = types
        self.functions = functions  # DefineFunction elements by name

    def is_numeric(self, name: str | None) -> bool:
        return (self.types.get(name or "") or "double") in NUMERIC

    # -- fields ----------------------------------------------------------------------------------
    def derived_fields(self, container: Any) -> dict[str, CompiledExpression]:
        """The DerivedFields of a TransformationDictionary or LocalTransformations."""
        out: dict[str, CompiledExpression] = {}
        if container is None:
            return out
        for node in elements(container, "DerivedField"):
            self.types.setdefault(node.get("name"), node.get("dataType"))
        for node in elements(container, "DerivedField"):
            out[node.get("name")] = self.derived_field(node)
        return out

    def derived_field(self, node: Any) -> CompiledExpression:
        children = elements(node)
        children = [c for c in children if tag_of(c) != "Value"]
        if len(children) != 1:
            raise unsupported(node, f"<DerivedField name={node.get('name')!r}> without one expression")
        expression = self.expression(children[0])
        data_type = node.get("dataType")
        return lambda env: cast(expression(env), data_type)

    # -- expressions -----------------------------------------------------------------------------
    def expression(self, node: Any) -> CompiledExpression:
        tag = tag_of(node)
        method = getattr(self, "_" + tag, None)
        if method is None:
            raise unsupported(node)
        return method(node)

    def _Constant(self, node: Any) -> CompiledExpression:
        if node.get("missing") == "true":
            value = None
        else:
            value = _constant_value(node.text if node.text is not None else "", node.get("dataType"))
        numeric = value is not None and not isinstance(value, str)
        if value is None and node.get("dataType") in NUMERIC:
            return lambda env: np.full(env.rows, np.nan)
        return lambda env: _column_of(value, env.rows) if numeric or value is None else _column_of(value, env.rows)

    def _FieldRef(self, node: Any) -> CompiledExpression:
        name = node.get("field")
        replacement = node.get("mapMissingTo")
        if replacement is None:
            return lambda env: env.get(name)
        value = parse_value(replacement, self.is_numeric(name))
        return lambda env: _fill(env.get(name), missing_mask(env.get(name)), value)

    def _NormDiscrete(self, node: Any) -> CompiledExpression:
        name = node.get("field")
        target = parse_value(node.get("value"), self.is_numeric(name))
        replacement = _number_or_none(node.get("mapMissingTo"))

        def run(env: Env) -> Column:
            values = env.get(name)
            missing = missing_mask(values)
            if values.dtype == object:
                hit = np.equal(values, target).astype(bool, copy=False) if not isinstance(target, float) else \
                    np.array([parse_value(v, True) == target if v is not None else False for v in values], dtype=bool)
            else:
                hit = values == (target if not isinstance(target, str) else parse_value(target, True))
            out = hit.astype(np.float64)
            out[missing] = np.nan if replacement is None else replacement
            return out
        return run

    def _NormContinuous(self, node: Any) -> CompiledExpression:
        name = node.get("field")
        points = [(float(p.get("orig")), float(p.get("norm"))) for p in elements(node, "LinearNorm")]
        if len(points) < 2:
            raise unsupported(node, "<NormContinuous> with fewer than two LinearNorm")
        outliers = node.get("outliers", "asIs")
        replacement = _number_or_none(node.get("mapMissingTo"))
        origs, norms, slopes, intercepts = linear_segments(points)

        def run(env: Env) -> Column:
            x = env.get(name)
            if x.dtype == object:
                x = cast(x, "double")
            # The first segment [orig_k, orig_k+1] holding x (a breakpoint belongs to the segment
            # on its left), as x * slope + intercept, PMML4S's form; outside the range the first
            # or last segment extends.
            k = np.clip(np.searchsorted(origs, x, side="left") - 1, 0, len(origs) - 2)
            with np.errstate(all="ignore"):
                out = x * slopes[k] + intercepts[k]
            below, above = x < origs[0], x > origs[-1]
            if outliers == "asMissingValues":
                out[below | above] = np.nan
            elif outliers == "asExtremeValues":
                out[below] = norms[0]
                out[above] = norms[-1]
            if replacement is not None:
                out[np.isnan(x)] = replacement
            return out
        return run

    def _Discretize(self, node: Any) -> CompiledExpression:
        name = node.get("field")
        numeric_out = (node.get("dataType") or "string") in NUMERIC
        bins = [(read_interval(first(b, "Interval")), parse_value(b.get("binValue"), numeric_out))
                for b in elements(node, "DiscretizeBin")]
        replacement = parse_value(node.get("mapMissingTo"), numeric_out) if node.get("mapMissingTo") is not None \
            else None
        default = parse_value(node.get("defaultValue"), numeric_out) if node.get("defaultValue") is not None else None

        def run(env: Env) -> Column:
            x = env.get(name)
            if x.dtype == object:
                x = cast(x, "double")
            out = np.full(len(x), np.nan) if numeric_out else np.full(len(x), None, dtype=object)
            done = np.isnan(x)
            for interval, value in bins:
                hit = ~done & interval.contains(x)
                out[hit] = value
                done |= hit
            if default is not None:
                out[~done] = default
            if replacement is not None:
                out[np.isnan(x)] = replacement
            return out
        return run

    def _MapValues(self, node: Any) -> CompiledExpression:
        pairs = [(p.get("field"), p.get("column")) for p in elements(node, "FieldColumnPair")]
        output = node.get("outputColumn")
        table = first(node, "InlineTable")
        if table is None:
            raise unsupported(node, "<MapValues> without an InlineTable")
        numeric_out = (node.get("dataType") or "string") in NUMERIC
        mapping: dict[tuple[Any, ...], Any] = {}
        for row in elements(table, "row"):
            cells = {tag_of(c): c.text for c in row if isinstance(c.tag, str)}
            key = tuple(_key(cells.get(column), self.is_numeric(field)) for field, column in pairs)
            mapping.setdefault(key, parse_value(cells.get(output), numeric_out))
        replacement = parse_value(node.get("mapMissingTo"), numeric_out) if node.get("mapMissingTo") is not None \
            else None
        default = parse_value(node.get("defaultValue"), numeric_out) if node.get("defaultValue") is not None else None
        missing_out = np.nan if numeric_out else None

        def run(env: Env) -> Column:
            columns = [env.get(field) for field, _ in pairs]
            missing = np.zeros(env.rows, dtype=bool)
            for c in columns:
                missing |= missing_mask(c)
            keys = zip(*[c.tolist() for c in columns])
            out = np.empty(env.rows, dtype=np.float64 if numeric_out else object)
            for i, key in enumerate(keys):
                if missing[i]:
                    out[i] = missing_out if replacement is None else replacement
                else:
                    found = mapping.get(tuple(_key_of(v) for v in key), default)
                    out[i] = missing_out if found is None else found
            return out
        return run

    def _Apply(self, node: Any) -> CompiledExpression:
        name = node.get("function")
        args = [self.expression(c) for c in elements(node)]
        if name in ("isValid", "isNotValid") or node.get("invalidValueTreatment") not in (None, "returnInvalid"):
            raise unsupported(node, f"<Apply function={name!r}>" if name in ("isValid", "isNotValid")
                              else f"<Apply invalidValueTreatment={node.get('invalidValueTreatment')!r}>")
        if name == "if":
            body = _if(args)
        elif name in ("isIn", "isNotIn"):
            body = _is_in(args, name == "isNotIn")
        elif name in self.functions:
            body = self._user_function(self.functions[name], args)
        elif name in _ARITHMETIC and len(args) == 2 and any(_number_constant(c) is not None for c in elements(node)):
            body = _with_constant(_ARITHMETIC[name], args, [_number_constant(c) for c in elements(node)])
        elif name in FUNCTIONS:
            arity = ARITY.get(name, 1)
            if (arity is None and not args) or (arity is not None and len(args) != arity):
                raise unsupported(node, f"<Apply function={name!r}> with {len(args)} arguments")
            function = FUNCTIONS[name]

            def body(env: Env) -> Column:
                return function([a(env) for a in args])
        else:
            raise unsupported(node, f"the function {name!r}")
        map_missing = node.get("mapMissingTo")
        default = node.get("defaultValue")
        if map_missing is None and default is None:
            return body
        map_value = _constant_value(map_missing, None)
        default_value = _constant_value(default, None)

        def with_treatments(env: Env) -> Column:
            if map_value is not None:
                values = [a(env) for a in args]
                missing = np.zeros(env.rows, dtype=bool)
                for v in values:
                    missing |= missing_mask(v)
            out = body(env)
            if default_value is not None:
                out = _fill(out, missing_mask(out), default_value)
            if map_value is not None:
                out = _fill(out, missing, map_value)
            return out
        return with_treatments

    def _user_function(self, definition: Any, args: list[CompiledExpression]) -> CompiledExpression:
        parameters = [p.get("name") for p in elements(definition, "ParameterField")]
        if len(parameters) != len(args):
            raise unsupported(definition, f"a call of {definition.get('name')!r} with {len(args)} arguments")
        bodies = [c for c in elements(definition) if tag_of(c) != "ParameterField"]
        saved = dict(self.types)
        for p in elements(definition, "ParameterField"):
            self.types[p.get("name")] = p.get("dataType")
        body = self.expression(bodies[0])
        self.types = saved
        data_type = definition.get("dataType")

        def run(env: Env) -> Column:
            scope = Env(env.rows, {p: a(env) for p, a in zip(parameters, args)})
            return cast(body(scope), data_type)
        return run


_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


def _number_constant(node: Any) -> float | None:
    """A <Constant>'s number (None for any other element, a missing or a text constant)."""
    if tag_of(node) != "Constant" or node.get("missing") == "true":
        return None
    value = _constant_value(node.text if node.text is not None else "", node.get("dataType"))
    return value if isinstance(value, float) else None


def _with_constant(ufunc: np.ufunc, args: list[CompiledExpression], constants: list[float | None]) -> CompiledExpression:
    """x - 0.5, 2 * x, ...: the constant as a number, not a column of it (numpy broadcasts it: the
    same double operation on each row, without filling and reading a column of the constant)."""
    operands: list[Any] = [c if c is not None else a for a, c in zip(args, constants)]

    def run(env: Env) -> Column:
        values = [o if isinstance(o, float) else _numbers([o(env)])[0] for o in operands]
        with np.errstate(all="ignore"):
            out = ufunc(values[0], values[1])
        return out if isinstance(out, np.ndarray) else np.full(env.rows, out)
    return run


def _if(args: list[CompiledExpression]) -> CompiledExpression:
    def run(env: Env) -> Column:
        condition = args[0](env)
        if condition.dtype == object:
            condition = cast(condition, "boolean")
        then = args[1](env)
        otherwise = args[2](env) if len(args) > 2 else None
        if otherwise is None:
            otherwise = np.full(env.rows, np.nan) if then.dtype != object else np.full(env.rows, None, dtype=object)
        if (then.dtype == object) != (otherwise.dtype == object):
            then, otherwise = then.astype(object), otherwise.astype(object)
            then[np.array([isinstance(v, float) and v != v for v in then], dtype=bool)] = None
            otherwise[np.array([isinstance(v, float) and v != v for v in otherwise], dtype=bool)] = None
        out = np.where(condition == 1.0, then, otherwise)
        unknown = np.isnan(condition)
        if unknown.any():
            out = out.copy()
            out[unknown] = np.nan if out.dtype != object else None
        return out
    return run


def _is_in(args: list[CompiledExpression], negate: bool) -> CompiledExpression:
    def run(env: Env) -> Column:
        value = args[0](env)
        candidates = [a(env) for a in args[1:]]
        hit = np.zeros(env.rows, dtype=bool)
        for c in candidates:
            if (value.dtype == object) != (c.dtype == object):
                left = value if value.dtype == object else _texts(value)
                right = c if c.dtype == object else _texts(c)
                hit |= np.array([a is not None and a == b for a, b in zip(left, right)], dtype=bool)
            else:
                hit |= value == c
        out = (hit != negate).astype(np.float64)
        out[missing_mask(value)] = np.nan
        return out
    return run


def linear_segments(points: list[tuple[float, float]]) -> tuple[np.ndarray, ...]:
    """Breakpoints and, per segment, slope and intercept as PMML4S computes them:
    (n1 - n0) / (o1 - o0) and (n0 * o1 - n1 * o0) / (o1 - o0)."""
    origs = np.array([p[0] for p in points])
    norms = np.array([p[1] for p in points])
    with np.errstate(all="ignore"):
        width = origs[1:] - origs[:-1]
        slopes = (norms[1:] - norms[:-1]) / width
        intercepts = (norms[:-1] * origs[1:] - norms[1:] * origs[:-1]) / width
    return origs, norms, slopes, intercepts


def _number_or_none(text: str | None) -> float | None:
    return None if text is None else float(text)


def _key(text: str | None, numeric: bool) -> Any:
    value = parse_value(text, numeric)
    return _key_of(value)


def _key_of(value: Any) -> Any:
    """Table cells and inputs compare as numbers when both read as numbers, else as text."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value
