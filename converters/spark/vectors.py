"""Spark ML vector stages -> PMML derived fields: VectorAssembler, VectorSlicer, the feature
selectors, PCA, PolynomialExpansion and Interaction.

A vector column is a list of fields (see :mod:`.columns`): assembling, slicing and selecting
only regroup fields; PCA and PolynomialExpansion derive new ones.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from pmmlkit.builders.expressions import apply, constant, equal, flag, fold, if_else, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context

from .attributes import Attribute, attributes, holds_vector
from .columns import StageContext
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
        F.Interaction: convert_interaction,
    }


def convert_vector_assembler(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    # "error" fails on NaN and "keep" passes NaN on: either way the values go through unchanged.
    no_skip(stage, context)
    columns = context.columns
    return [_as_double(f, name, stage, context) for name in stage.getInputCols() for f in columns[name]]


def _as_double(f: Field, column: str, stage: Any, context: Context) -> Field:
    if f.data_type == "boolean":
        # Spark casts a boolean to 1.0 / 0.0.
        return context.scope.derive(f"double({f.name})", flag(equal(f, True, "boolean")))
    if not f.is_numeric:
        raise context.error(f"{type(stage).__name__} input {column!r} is a string column; index it with a "
                            "StringIndexer first (Spark refuses it too)")
    return f


# -- selection -------------------------------------------------------------------------------------------

def convert_vector_slicer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    # Spark: the indices first, then the names (looked up in the vector's attribute metadata).
    columns = context.columns
    source, _ = single(stage, context)
    chosen = list(stage.getIndices())
    if stage.getNames():
        found = attributes(columns, source, context)
        positions = {a.name: i for i, a in enumerate(found or []) if a.name is not None}
        if found is not None and len(found) != len(fields):
            raise context.error(f"Spark's metadata describes {len(found)} values of column {source!r}, "
                                f"but it holds {len(fields)}")
        for name in stage.getNames():
            if name not in positions:
                raise context.error(f"VectorSlicer selects feature {name!r}, but column {source!r} has no value of "
                                    f"that name in its metadata (names: {sorted(positions)}); slice by indices")
            chosen.append(positions[name])
    return [_index(fields, i, stage, context) for i in chosen]


def convert_selector(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    # The selected features, in increasing index order (the order Spark writes them in).
    return [_index(fields, i, stage, context) for i in sorted(stage.selectedFeatures)]


def _index(fields: list[Field], i: int, stage: Any, context: Context) -> Field:
    if not 0 <= i < len(fields):
        raise context.error(f"{type(stage).__name__} selects index {i} of a vector of {len(fields)} values")
    return fields[i]


# -- projection and expansion ------------------------------------------------------------------------------

def convert_pca(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    columns = context.columns
    # Spark: pc^T x (no centering), summed in feature order.
    source, output = single(stage, context)
    pc = stage.pc.toArray()
    fields = sized(columns, source, pc.shape[0], stage, context)
    expressions = [fold("+", [apply("*", constant(float(pc[i, j])), ref(f)) for i, f in enumerate(fields)])
                   for j in range(pc.shape[1])]
    return derive_vector(context, output, expressions)


def convert_polynomial_expansion(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    _, output = single(stage, context)
    expressions = [fold("*", [ref(f) for f, e in zip(fields, exponents) for _ in range(e)])
                   for exponents in polynomial_terms(len(fields), int(stage.getDegree()))]
    return derive_vector(context, output, expressions)


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


# -- interaction -------------------------------------------------------------------------------------------

def convert_interaction(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    """Spark's Interaction: all products of one value from each input column.

    Nominal values (a StringIndexer index, a Bucketizer bucket, a VectorIndexer category: their
    metadata says so) are one-hot encoded first; numeric and binary values (a OneHotEncoder's
    slots) enter as they are. The last column varies fastest. Spark multiplies from the last
    column to the first, a nominal factor being 1.0 (when it matches) or the slot 0.
    """
    columns = context.columns
    output = stage.getOutputCol()
    factors = []  # per input column: per output slot, (field, its category or None for a numeric value)
    for name in stage.getInputCols():
        fields = [_as_double(f, name, stage, context) for f in columns[name]]
        found = attributes(columns, name, context)
        if found is None:
            raise context.error(f"column {name!r} has no per-value attributes in its metadata, which Spark's "
                                "Interaction needs (it refuses such a vector too); assemble it with a "
                                "VectorAssembler first")
        if len(found) != len(fields):
            raise context.error(f"Spark's metadata describes {len(found)} values of column {name!r}, "
                                f"but it holds {len(fields)}")
        if any(a.categories >= 2 for a in found) and holds_vector(columns, name):
            # Spark one-hot encodes only the values a vector stores: a category 0 in a sparse vector
            # is dropped, so its result depends on how each row's vector happens to be stored.
            raise context.error(f"column {name!r} is a vector with nominal values; Spark's Interaction loses "
                                "category 0 of such a value when the vector is stored sparse, which PMML cannot "
                                "follow. Pass the index column to Interaction as its own input column instead")
        factors.append([slot for f, a in zip(fields, found) for slot in _encoded(f, a)])
    expressions = []
    for combination in itertools.product(*factors):
        # Fresh elements for every slot: an lxml element has one parent.
        conditions = [equal(f, float(k)) for f, k in combination if k is not None]
        numbers = [ref(f) for f, k in reversed(combination) if k is None]
        value = fold("*", numbers) if numbers else constant(1.0)
        if conditions:
            test = conditions[0] if len(conditions) == 1 else apply("and", *conditions)
            value = if_else(test, value, constant(0.0))
        expressions.append(value)
    return derive_vector(context, output, expressions)


def _encoded(f: Field, attribute: Attribute) -> list[tuple[Field, int | None]]:
    # Spark treats a nominal value with fewer than 2 categories as numeric.
    if attribute.categories < 2:
        return [(f, None)]
    return [(f, k) for k in range(attribute.categories)]
