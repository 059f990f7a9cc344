"""The native scoring engine: a PMML document compiled into array programs, scored without Java.

Design (treelite-style: an IR kept apart from the XML):

- The compiler reads the tree :func:`pmmlkit.validation.gate` returns for ``pmmlkit.load`` (the
  same parse, the same gate as the JVM engine) and never the XML again: compiling turns each
  element into plain Python closures over numpy columns and flat numpy arrays (the IR,
  :mod:`.ir`). An element it does not compile raises :class:`UnsupportedElement` naming the
  element and its source line.
- Values are whole columns over a batch (:mod:`.ir`): float64 with NaN for missing (booleans as
  1.0/0.0), or object arrays of text. Field preparation (:mod:`.fields`) applies the
  DataDictionary's and each MiningSchema's missing/invalid/outlier treatments to columns.
- Transformations (:mod:`.expressions`, :mod:`.functions`) are vectorized numpy expressions.
- RegressionModel and GeneralRegressionModel (:mod:`.regression`) and NeuralNetwork
  (:mod:`.neural`, a weight matrix per layer) are array arithmetic.
- Trees (:mod:`.trees`) are flattened into node arrays (children contiguous, predicates as postfix
  programs, text categories as numeric codes) and walked by numba-compiled loops
  (:mod:`.kernels`, ``@njit(cache=True, nogil=True)``); a forest's trees share one set of arrays
  and are combined inside the loop in document order, as PMML4S adds them (:mod:`.mining`).
- Targets and Output fields (:mod:`.output`) turn a model's :class:`~.ir.Prediction` into the
  output columns, with the dataTypes the document declares.
- :class:`NativeEngine` (:mod:`.engine`) is the engine object behind :class:`pmmlkit.Model`: the
  same input contract (:mod:`pmmlkit.scoring.inputs`) and output columns as the JVM engine.
  Programs are cached by the document's bytes, so a second load of the same bytes is instant.

Arithmetic is in doubles, as PMML4S does it (it computes ``dataType="float"`` as doubles too;
pmmlkit's converters write float32 steps as explicit double operations, see
:mod:`pmmlkit.builders.float32`).
"""

from __future__ import annotations

from .engine import NativeEngine, compile_document
from .ir import UnsupportedElement

__all__ = ["NativeEngine", "UnsupportedElement", "compile_document"]
