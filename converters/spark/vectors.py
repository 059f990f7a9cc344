"""Spark ML vector stages -> PMML derived fields: VectorAssembler, VectorSlicer, the feature
selectors, PCA and PolynomialExpansion.

A vector column is a list of fields (see :mod:`.columns`): assembling, slicing and selecting
only regroup fields; PCA and PolynomialExpansion derive new ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pmmlkit.context import Context
from pmmlkit.expressions import apply, constant, fold, if_else, ref
from pmmlkit.fields import Field

from .columns import Columns
from .stages import derive_vector, no_skip, single, sized


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import feature as F

    return {
        F.VectorAssembler: convert_vector_assembler,
        F.VectorSlicer: convert_vector_slicer,
        F.ChiSqSelectorModel: convert_selector,
        F.UnivariateFeatureSelectorModel: convert_selector,
        F.VarianceThresholdSelectorModel: convert_selector,
        F.PCAModel: convert_pca,
        F.PolynomialExpansion: convert_polynomial_expansion,
    }


def convert_vector_assembler(stage: Any, columns: Columns, context: Context) -> None:
    # "error" fails on NaN and "keep" passes NaN on: either way the values go through unchanged.
    no_skip(stage, context)
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


# -- selection -------------------------------------------------------------------------------------------

def convert_vector_slicer(stage: Any, columns: Columns, context: Context) -> None:
    source, output = single(stage, context)
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


# -- projection and expansion ------------------------------------------------------------------------------

def convert_pca(stage: Any, columns: Columns, context: Context) -> None:
    # Spark: pc^T x (no centering), summed in feature order.
    source, output = single(stage, context)
    pc = stage.pc.toArray()
    fields = sized(columns, source, pc.shape[0], stage, context)
    expressions = [fold("+", [apply("*", constant(float(pc[i, j])), ref(f)) for i, f in enumerate(fields)])
                   for j in range(pc.shape[1])]
    columns[output] = derive_vector(context, output, expressions)


def convert_polynomial_expansion(stage: Any, columns: Columns, context: Context) -> None:
    source, output = single(stage, context)
    fields = columns[source]
    expressions = []
    for exponents in polynomial_terms(len(fields), int(stage.getDegree())):
        expressions.append(fold("*", [ref(f) for f, e in zip(fields, exponents) for _ in range(e)]))
    columns[output] = derive_vector(context, output, expressions)


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
