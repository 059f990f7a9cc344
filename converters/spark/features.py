"""Spark ML feature stages -> PMML derived fields.

Each converter reproduces the floating-point steps of the stage's ``transform`` in the same
order (Spark's Scala code), so that the PMML scores what Spark scores. A stage whose
``handleInvalid="skip"`` drops rows cannot be written: PMML scores every row it is given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from lxml import etree

from pmmlkit.context import Context
from pmmlkit.expressions import affine, apply, constant, if_else, ref
from pmmlkit.fields import Field
from pmmlkit.pmml import element, format_value, tag_of

from .columns import Columns, column_params


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import feature as F

    return {
        F.VectorAssembler: convert_vector_assembler,
        F.StringIndexerModel: convert_string_indexer,
        F.OneHotEncoderModel: convert_one_hot_encoder,
        F.StandardScalerModel: convert_standard_scaler,
        F.MinMaxScalerModel: convert_min_max_scaler,
        F.MaxAbsScalerModel: convert_max_abs_scaler,
        F.ImputerModel: convert_imputer,
        F.Bucketizer: convert_bucketizer,
        F.Binarizer: convert_binarizer,
        F.Normalizer: convert_normalizer,
        F.PCAModel: convert_pca,
        F.VectorSlicer: convert_vector_slicer,
        F.ChiSqSelectorModel: convert_selector,
        F.UnivariateFeatureSelectorModel: convert_selector,
        F.VarianceThresholdSelectorModel: convert_selector,
        F.IndexToString: convert_index_to_string,
        F.PolynomialExpansion: convert_polynomial_expansion,
        F.SQLTransformer: convert_sql_transformer,
    }


# -- helpers ---------------------------------------------------------------------------------------------

def _single(stage: Any, context: Context) -> tuple[str, str]:
    inputs, outputs = column_params(stage)
    if len(inputs) != 1 or len(outputs) != 1:
        raise context.error(f"{type(stage).__name__} needs inputCol and outputCol")
    return inputs[0], outputs[0]


def _pairs(stage: Any, context: Context) -> list[tuple[str, str]]:
    inputs, outputs = column_params(stage)
    if not inputs or len(inputs) != len(outputs):
        raise context.error(f"{type(stage).__name__} has {len(inputs)} input and {len(outputs)} output columns")
    return list(zip(inputs, outputs))


def _no_skip(stage: Any, context: Context) -> str:
    mode = stage.getOrDefault("handleInvalid") if stage.hasParam("handleInvalid") else "error"
    if mode == "skip":
        raise context.error(
            f'{type(stage).__name__} has handleInvalid="skip", which drops rows; a PMML model scores every row. '
            'Set handleInvalid to "error" or "keep" on the fitted stage (stage.setHandleInvalid("keep")) '
            "and convert again"
        )
    return mode


def _element_names(column: str, count: int) -> list[str]:
    return [column] if count == 1 else [f"{column}[{i}]" for i in range(count)]


def _derive_vector(context: Context, column: str, expressions: Sequence[etree._Element],
                   vector: bool = True) -> list[Field]:
    names = [f"{column}[{i}]" for i in range(len(expressions))] if vector else [column]
    return [context.scope.derive(n, e) for n, e in zip(names, expressions)]


def _equal(field: Field, value: Any) -> etree._Element:
    return apply("equal", ref(field), constant(value))


def _vector(columns: Columns, name: str, size: int | None, stage: Any, context: Context) -> list[Field]:
    fields = columns[name]
    if size is not None and len(fields) != size:
        raise context.error(f"{type(stage).__name__} was fitted on vectors of {size} values, but column "
                            f"{name!r} holds {len(fields)}; pass X with the columns the pipeline was fitted on")
    return fields


def _is_vector_output(columns: Columns, name: str) -> bool:
    return len(columns[name]) != 1 or columns[name][0].name != name


# -- VectorAssembler ---------------------------------------------------------------------------------------

def convert_vector_assembler(stage: Any, columns: Columns, context: Context) -> None:
    # "error" fails on NaN and "keep" passes NaN on: either way the values go through unchanged.
    _no_skip(stage, context)
    fields: list[Field] = []
    for name in stage.getInputCols():
        for f in columns[name]:
            if f.data_type == "boolean":
                # Spark casts a boolean to 1.0 / 0.0.
                f = context.scope.derive(f"double({f.name})",
                                         if_else(apply("equal", ref(f), constant(True, "boolean")),
                                                 constant(1.0), constant(0.0)))
            elif not f.is_numeric:
                raise context.error(f"VectorAssembler input {name!r} is a string column; index it with a "
                                    "StringIndexer first (Spark refuses it too)")
            fields.append(f)
    columns[stage.getOutputCol()] = fields


# -- StringIndexer ---------------------------------------------------------------------------------------

def convert_string_indexer(stage: Any, columns: Columns, context: Context) -> None:
    keep = _no_skip(stage, context) == "keep"
    labels_array = stage.labelsArray
    pairs = _pairs(stage, context)
    for (source, output), labels in zip(pairs, labels_array):
        field = columns.scalar(source)
        # "keep": null and unseen values get the extra index len(labels). "error": Spark fails on
        # such rows; the PMML leaves the index missing, so the row gets no prediction.
        default = float(len(labels)) if keep else None
        if field.is_numeric:
            expression = _numeric_index(field, labels, default)
        else:
            expression = _string_index(field, labels, default)
        columns[output] = [context.scope.derive(output, expression)]
        columns.labels[output] = tuple(labels)


def _string_index(field: Field, labels: Sequence[str], default: float | None) -> etree._Element:
    rows = [element("row", _cell("label", label), _cell("index", float(i))) for i, label in enumerate(labels)]
    return element("MapValues", element("FieldColumnPair", field=field.name, column="label"),
                   element("InlineTable", *rows), outputColumn="index", dataType="double",
                   mapMissingTo=default, defaultValue=default)


def _numeric_index(field: Field, labels: Sequence[str], default: float | None) -> etree._Element:
    # Spark indexes a numeric column by its string cast ("1.0", "3"); compare as numbers instead.
    missing_index = default
    expression = constant(default) if default is not None else None
    for i in reversed(range(len(labels))):
        value = float(labels[i])
        if math.isnan(value):
            missing_index = float(i)  # the PMML sees NaN as a missing value
            continue
        arguments = [_equal(field, value), constant(float(i))]
        if expression is not None:
            arguments.append(expression)
        expression = apply("if", *arguments)
    if expression is None or tag_of(expression) == "Constant":
        # No comparable label: every present value is unseen.
        expression = apply("+", apply("*", ref(field), constant(0.0)), constant(default)) \
            if default is not None else apply("*", ref(field), constant(float("nan")))
    if missing_index is not None:
        expression.set("mapMissingTo", format_value(missing_index))
    return expression


def _cell(tag: str, value: Any) -> etree._Element:
    node = element(tag)
    node.text = format_value(value)
    return node


# -- IndexToString ---------------------------------------------------------------------------------------

def convert_index_to_string(stage: Any, columns: Columns, context: Context) -> None:
    source, output = _single(stage, context)
    labels = list(stage.getLabels()) if stage.isDefined("labels") and stage.getLabels() else None
    if labels is None:
        labels = list(columns.labels.get(source, ()))
    if not labels:
        raise context.error(f"IndexToString has no labels and column {source!r} was not made by a StringIndexer; "
                            "set its labels param")
    field = columns.scalar(source)
    expression: etree._Element | None = None
    for i in reversed(range(len(labels))):
        arguments = [_equal(field, float(i)), constant(labels[i], "string")]
        if expression is not None:
            arguments.append(expression)
        expression = apply("if", *arguments)
    columns[output] = [context.scope.derive(output, expression, "categorical", "string")]


# -- OneHotEncoder ---------------------------------------------------------------------------------------

def convert_one_hot_encoder(stage: Any, columns: Columns, context: Context) -> None:
    keep = _no_skip(stage, context) == "keep"
    drop_last = stage.getDropLast()
    for (source, output), size in zip(_pairs(stage, context), stage.categorySizes):
        field = columns.scalar(source)
        # Spark's vector length: "keep" adds a slot for invalid indices, dropLast removes the last slot.
        length = size + (1 if keep else 0) - (1 if drop_last else 0)
        expressions = []
        for k in range(length):
            if k < size:
                # "keep": a missing index is invalid, so every regular slot is 0.
                expressions.append(apply("if", _equal(field, float(k)), constant(1.0), constant(0.0),
                                         map_missing_to=0.0 if keep else None))
            else:
                valid = apply("isIn", ref(field), *[constant(float(i)) for i in range(size)])
                expressions.append(apply("if", valid, constant(0.0), constant(1.0), map_missing_to=1.0))
        columns[output] = _derive_vector(context, output, expressions)


# -- scalers ---------------------------------------------------------------------------------------------

def convert_standard_scaler(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: (x - mean) * (1 / std) with 1/std taken as 0 where std == 0; either step only when enabled.
    source, output = _single(stage, context)
    means = stage.mean.toArray()
    stds = stage.std.toArray()
    fields = _vector(columns, source, len(stds), stage, context)
    expressions = []
    for f, mean, std in zip(fields, means, stds):
        scale = (0.0 if std == 0 else 1.0 / float(std)) if stage.getWithStd() else None
        shift = float(mean) if stage.getWithMean() else None
        expressions.append(affine(f, subtract=shift, multiply=scale))
    columns[output] = _derive_vector(context, output, expressions)


def convert_min_max_scaler(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: (x - originalMin) * ((max - min) / range) + min; a constant feature gives 0.5 * (max - min) + min.
    source, output = _single(stage, context)
    lows = stage.originalMin.toArray()
    highs = stage.originalMax.toArray()
    low, high = float(stage.getMin()), float(stage.getMax())
    scale = high - low
    fields = _vector(columns, source, len(lows), stage, context)
    expressions = []
    for f, a, b in zip(fields, lows, highs):
        width = float(b) - float(a)
        factor = scale / width if width != 0 else 0.0
        if factor != 0:
            expressions.append(affine(f, subtract=float(a), multiply=factor, add=low))
        else:
            # x * 0 keeps a missing value missing, as Spark keeps NaN.
            expressions.append(affine(f, multiply=0.0, add=0.5 * scale + low))
    columns[output] = _derive_vector(context, output, expressions)


def convert_max_abs_scaler(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: x * (1 / maxAbs), with the factor 1 where maxAbs == 0.
    source, output = _single(stage, context)
    peaks = stage.maxAbs.toArray()
    fields = _vector(columns, source, len(peaks), stage, context)
    expressions = [affine(f, multiply=1.0 if p == 0 else 1.0 / float(p)) for f, p in zip(fields, peaks)]
    columns[output] = _derive_vector(context, output, expressions)


def convert_normalizer(stage: Any, columns: Columns, context: Context) -> None:
    # Spark divides each value by the vector's p-norm, and leaves a zero vector as it is.
    source, output = _single(stage, context)
    p = float(stage.getP())
    fields = columns[source]
    if p == 1:
        norm = _sum([apply("abs", ref(f)) for f in fields])
    elif p == 2:
        norm = apply("sqrt", _sum([apply("*", ref(f), ref(f)) for f in fields]))
    elif math.isinf(p):
        norm = apply("max", *[apply("abs", ref(f)) for f in fields])
    else:
        norm = apply("pow", _sum([apply("pow", apply("abs", ref(f)), constant(p)) for f in fields]),
                     constant(1.0 / p))
    norm_field = context.scope.derive(f"norm({output})", norm)
    expressions = [if_else(apply("equal", ref(norm_field), constant(0.0)), ref(f),
                           apply("/", ref(f), ref(norm_field))) for f in fields]
    columns[output] = _derive_vector(context, output, expressions)


def _sum(terms: Sequence[etree._Element]) -> etree._Element:
    """Left-to-right additions, the order of Spark's loops."""
    total = terms[0]
    for term in terms[1:]:
        total = apply("+", total, term)
    return total


# -- Imputer ---------------------------------------------------------------------------------------------

def convert_imputer(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: null or missingValue -> surrogate, then a cast back to the input column's type.
    pairs = _pairs(stage, context)
    surrogates = stage.surrogateDF.collect()[0].asDict()
    marker = float(stage.getMissingValue())
    for source, output in pairs:
        field = columns.scalar(source)
        value = float(surrogates[source])
        if source in columns.integral:
            value = float(math.trunc(value))
        if math.isnan(marker):
            expression = ref(field, map_missing_to=value)
        else:
            expression = apply("if", _equal(field, marker), constant(value), ref(field), map_missing_to=value)
        columns[output] = [context.scope.derive(output, expression)]


# -- Bucketizer, Binarizer ---------------------------------------------------------------------------------

def convert_bucketizer(stage: Any, columns: Columns, context: Context) -> None:
    # Buckets are [s_i, s_i+1), the last one closed; "keep" puts NaN in the extra bucket len(splits) - 1.
    keep = _no_skip(stage, context) == "keep"
    pairs = _pairs(stage, context)
    if stage.isDefined("splitsArray") and stage.getOrDefault("splitsArray"):
        splits_list = [list(s) for s in stage.getSplitsArray()]
    else:
        splits_list = [list(stage.getSplits())]
    for (source, output), splits in zip(pairs, splits_list):
        field = columns.scalar(source)
        bins = []
        for i in range(len(splits) - 1):
            last = i == len(splits) - 2
            interval = element("Interval", closure="closedClosed" if last else "closedOpen",
                               leftMargin=None if math.isinf(splits[i]) else float(splits[i]),
                               rightMargin=None if math.isinf(splits[i + 1]) else float(splits[i + 1]))
            bins.append(element("DiscretizeBin", interval, binValue=float(i)))
        expression = element("Discretize", *bins, field=field.name, dataType="double",
                             mapMissingTo=float(len(splits) - 1) if keep else None)
        columns[output] = [context.scope.derive(output, expression)]


def convert_binarizer(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: 1.0 where x > threshold, else 0.0 (NaN too, as NaN > t is false).
    pairs = _pairs(stage, context)
    if stage.isDefined("thresholds") and stage.getOrDefault("thresholds"):
        thresholds = [float(t) for t in stage.getThresholds()]
    else:
        thresholds = [float(stage.getThreshold())] * len(pairs)
    for (source, output), threshold in zip(pairs, thresholds):
        fields = columns[source]
        vector = _is_vector_output(columns, source)
        expressions = [apply("if", apply("greaterThan", ref(f), constant(threshold)), constant(1.0),
                             constant(0.0), map_missing_to=0.0) for f in fields]
        columns[output] = _derive_vector(context, output, expressions, vector=vector)


# -- vector selection and projection -------------------------------------------------------------------------

def convert_vector_slicer(stage: Any, columns: Columns, context: Context) -> None:
    source, output = _single(stage, context)
    if stage.getNames():
        raise context.error("VectorSlicer with names needs the vector's attribute metadata, which PMML fields "
                            "do not carry; slice by indices instead")
    fields = columns[source]
    columns[output] = [_index(fields, i, stage, context) for i in stage.getIndices()]


def convert_selector(stage: Any, columns: Columns, context: Context) -> None:
    # The selected features, in increasing index order (the order Spark writes them in).
    fields = columns[stage.getFeaturesCol()]
    columns[stage.getOutputCol()] = [_index(fields, i, stage, context) for i in sorted(stage.selectedFeatures)]


def _index(fields: list[Field], i: int, stage: Any, context: Context) -> Field:
    if not 0 <= i < len(fields):
        raise context.error(f"{type(stage).__name__} selects index {i} of a vector of {len(fields)} values")
    return fields[i]


def convert_pca(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: pc^T x (no centering).
    source, output = _single(stage, context)
    pc = stage.pc.toArray()
    fields = _vector(columns, source, pc.shape[0], stage, context)
    expressions = [_sum([apply("*", constant(float(pc[i, j])), ref(f)) for i, f in enumerate(fields)])
                   for j in range(pc.shape[1])]
    columns[output] = _derive_vector(context, output, expressions)


# -- PolynomialExpansion ---------------------------------------------------------------------------------------

def convert_polynomial_expansion(stage: Any, columns: Columns, context: Context) -> None:
    source, output = _single(stage, context)
    fields = columns[source]
    terms = polynomial_terms(len(fields), int(stage.getDegree()))
    expressions = []
    for exponents in terms:
        factors = [ref(f) for f, e in zip(fields, exponents) for _ in range(e)]
        product = factors[0]
        for factor in factors[1:]:
            product = apply("*", product, factor)
        expressions.append(product)
    columns[output] = _derive_vector(context, output, expressions)


def polynomial_terms(n: int, degree: int) -> list[tuple[int, ...]]:
    """The exponents of each output of Spark's PolynomialExpansion, in its output order.

    Spark expands recursively from the last feature: for each power of the last feature
    (0..degree) it expands the remaining features with the remaining degree; the constant term
    is dropped.
    """
    def expand(last: int, remaining: int) -> list[tuple[int, ...]]:
        if remaining == 0 or last < 0:
            return [(0,) * n]
        out = []
        for power in range(remaining + 1):
            for term in expand(last - 1, remaining - power):
                out.append(term[:last] + (power,) + term[last + 1:])
        return out

    return expand(n - 1, degree)[1:]


# -- SQLTransformer -------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|`([^`]+)`|([A-Za-z_][A-Za-z_0-9]*)"
                    r"|(<=|>=|<>|!=|==|[-+*/(),=<>]))")
_COMPARISONS = {"<": "lessThan", "<=": "lessOrEqual", ">": "greaterThan", ">=": "greaterOrEqual",
                "=": "equal", "==": "equal", "<>": "notEqual", "!=": "notEqual"}
_FUNCTIONS = {"abs": "abs", "sqrt": "sqrt", "exp": "exp", "ln": "ln", "log": "ln", "log10": "log10",
              "pow": "pow", "power": "pow", "floor": "floor", "ceil": "ceil", "ceiling": "ceil",
              "greatest": "max", "least": "min"}


def convert_sql_transformer(stage: Any, columns: Columns, context: Context) -> None:
    """``SELECT *, <expression> AS <name>, ... FROM __THIS__`` with arithmetic, comparisons,
    AND/OR/NOT, CASE WHEN and simple math functions; anything else is refused."""
    statement = stage.getStatement()
    match = re.fullmatch(r"\s*select\s+(.*?)\s+from\s+__THIS__\s*;?\s*", statement, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise context.error(f"SQLTransformer statement {statement!r} is not of the form "
                            "'SELECT *, <expression> AS <name> FROM __THIS__'; only such projections convert")
    parser = _SqlParser(match.group(1), columns, context)
    for name, expression, is_condition in parser.projections():
        if is_condition:
            expression = if_else(expression, constant(1.0), constant(0.0))
        columns[name] = [context.scope.derive(name, expression)]


class _SqlParser:
    def __init__(self, text: str, columns: Columns, context: Context) -> None:
        self.columns = columns
        self.context = context
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.strip()
        while position < len(text):
            found = _TOKEN.match(text, position)
            if found is None or found.end() == position:
                raise self.fail(f"cannot read {text[position:position + 20]!r}")
            number, quoted, word, symbol = found.groups()
            if number is not None:
                self.tokens.append(("number", number))
            elif quoted is not None:
                self.tokens.append(("name", quoted))
            elif word is not None:
                self.tokens.append(("word", word))
            else:
                self.tokens.append(("symbol", symbol))
            position = found.end()
        self.i = 0

    def fail(self, message: str) -> Exception:
        return self.context.error(f"SQLTransformer: {message}; only arithmetic, comparisons, AND/OR/NOT, "
                                  "CASE WHEN and abs/sqrt/exp/ln/log10/pow/floor/ceil/greatest/least convert")

    def peek(self, *values: str) -> bool:
        if self.i >= len(self.tokens):
            return False
        kind, text = self.tokens[self.i]
        return kind in ("symbol", "word") and text.lower() in values

    def take(self, *values: str) -> str:
        if not self.peek(*values):
            got = self.tokens[self.i][1] if self.i < len(self.tokens) else "the end"
            raise self.fail(f"expected {' or '.join(values)}, got {got!r}")
        self.i += 1
        return self.tokens[self.i - 1][1].lower()

    def projections(self) -> list[tuple[str, etree._Element, bool]]:
        out = []
        while True:
            if self.peek("*"):
                self.take("*")
            else:
                expression, is_condition = self.expression()
                if not self.peek("as"):
                    raise self.fail("every computed column needs 'AS <name>'")
                self.take("as")
                kind, name = self.tokens[self.i] if self.i < len(self.tokens) else ("", "")
                if kind not in ("word", "name"):
                    raise self.fail("a column name is expected after AS")
                self.i += 1
                out.append((name, expression, is_condition))
            if not self.peek(","):
                break
            self.take(",")
        if self.i != len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.i][1]!r}")
        return out

    # Each rule returns (expression, is_condition).
    def expression(self) -> tuple[etree._Element, bool]:
        left = self.conjunction()
        while self.peek("or"):
            self.take("or")
            left = (apply("or", self.condition(left), self.condition(self.conjunction())), True)
        return left

    def conjunction(self) -> tuple[etree._Element, bool]:
        left = self.negation()
        while self.peek("and"):
            self.take("and")
            left = (apply("and", self.condition(left), self.condition(self.negation())), True)
        return left

    def negation(self) -> tuple[etree._Element, bool]:
        if self.peek("not"):
            self.take("not")
            return apply("not", self.condition(self.negation())), True
        return self.comparison()

    def comparison(self) -> tuple[etree._Element, bool]:
        left = self.sum()
        if self.peek(*_COMPARISONS):
            function = _COMPARISONS[self.take(*_COMPARISONS)]
            return apply(function, self.number(left), self.number(self.sum())), True
        return left

    def sum(self) -> tuple[etree._Element, bool]:
        left = self.product()
        while self.peek("+", "-"):
            operator = self.take("+", "-")
            left = (apply(operator, self.number(left), self.number(self.product())), False)
        return left

    def product(self) -> tuple[etree._Element, bool]:
        left = self.unary()
        while self.peek("*", "/"):
            operator = self.take("*", "/")
            left = (apply(operator, self.number(left), self.number(self.unary())), False)
        return left

    def unary(self) -> tuple[etree._Element, bool]:
        if self.peek("-"):
            self.take("-")
            return apply("*", constant(-1.0), self.number(self.unary())), False
        return self.primary()

    def primary(self) -> tuple[etree._Element, bool]:
        if self.i >= len(self.tokens):
            raise self.fail("the statement ends too early")
        kind, text = self.tokens[self.i]
        if kind == "number":
            self.i += 1
            return constant(float(text)), False
        if self.peek("("):
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        if self.peek("case"):
            return self.case()
        if kind in ("word", "name"):
            self.i += 1
            if kind == "word" and self.peek("("):
                return self.call(text.lower()), False
            return ref(self.columns.scalar(text)), False
        raise self.fail(f"unexpected {text!r}")

    def call(self, name: str) -> etree._Element:
        if name not in _FUNCTIONS:
            raise self.fail(f"function {name}() has no PMML counterpart here")
        self.take("(")
        arguments = [self.number(self.expression())]
        while self.peek(","):
            self.take(",")
            arguments.append(self.number(self.expression()))
        self.take(")")
        return apply(_FUNCTIONS[name], *arguments)

    def case(self) -> tuple[etree._Element, bool]:
        self.take("case")
        branches = []
        while self.peek("when"):
            self.take("when")
            condition = self.condition(self.expression())
            self.take("then")
            branches.append((condition, self.number(self.expression())))
        otherwise = None
        if self.peek("else"):
            self.take("else")
            otherwise = self.number(self.expression())
        self.take("end")
        if not branches:
            raise self.fail("CASE needs at least one WHEN")
        result = otherwise
        for condition, value in reversed(branches):
            result = apply("if", condition, value, *([result] if result is not None else []))
        return result, False

    def condition(self, item: tuple[etree._Element, bool]) -> etree._Element:
        expression, is_condition = item
        if not is_condition:
            raise self.fail("a condition (comparison) is expected")
        return expression

    def number(self, item: tuple[etree._Element, bool]) -> etree._Element:
        expression, is_condition = item
        return if_else(expression, constant(1.0), constant(0.0)) if is_condition else expression
