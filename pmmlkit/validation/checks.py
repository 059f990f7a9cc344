"""The semantic rules (codes in :mod:`pmmlkit.validation.rules`), checked unit by unit as the
document streams past.

The driver (:mod:`pmmlkit.validation.scan`) calls :meth:`Checker.end` when a unit element is
complete: a DataField, a dictionary, a model, a Segment, an Extension or a verification row.
Everything a unit's checks need from elsewhere has been seen by then (PMML orders a model's
MiningSchema, Output, Targets and LocalTransformations before its body and Segmentation), so in
streaming mode the checker can drop each unit once checked, keeping memory bounded by the largest
single model (one tree of a forest), not by the document.

Field scope, as evaluators resolve it: a top-level model sees the DataDictionary and the
TransformationDictionary; a model's body sees its MiningSchema fields, its LocalTransformations
and the TransformationDictionary; a segment's MiningSchema draws from its parent model's fields,
plus, in a ``modelChain``, the Output fields of the segments before it.

The rules live by topic: :mod:`.fields`, :mod:`.transformations`, :mod:`.models`, :mod:`.trees` and
:mod:`.outputs`, with :mod:`.regressions`, :mod:`.machines`, :mod:`.neighbors` and :mod:`.scorecards`
for GeneralRegressionModel, SupportVectorMachineModel, NearestNeighborModel and Scorecard (one mixin each, sharing the state of :mod:`.base`); :class:`Checker` combines
them with the driver's entry points and the dispatch of a body's elements to them.
"""

from __future__ import annotations

from lxml import etree

from ..pmml import MODEL_TAGS, is_own_extension
from . import rawtrees
from .elements import Field, Scope, child, declared_field, drop_previous, empty_element, local, unfit_types, walk
from .engine import EngineRules
from .fields import FieldRules
from .machines import SupportVectorRules
from .models import ModelRules
from .neighbors import NearestNeighborRules
from .outputs import OutputRules
from .regressions import GeneralRegressionRules
from .scorecards import ScorecardRules
from .transformations import TransformationRules
from .trees import TreeRules
from .vocabulary import CURRENT, NAMESPACES, NUMBERS, REFERENCES, TOP_LEVEL


class Checker(FieldRules, TransformationRules, ModelRules, GeneralRegressionRules, SupportVectorRules,
              NearestNeighborRules, ScorecardRules, TreeRules, OutputRules, EngineRules):
    """Semantic checks; ``drop=True`` removes checked units from the tree (streaming)."""

    # -- the document ----------------------------------------------------------------------------
    def start(self, namespace: str | None, version: str | None, line: int | None) -> bool:
        """Check the root's namespace and version; False when nothing else can be checked."""
        if namespace not in NAMESPACES:
            if namespace is None:
                hint = f"no namespace (expected xmlns=\"{CURRENT}\")"
            elif namespace.startswith("http://www.dmg.org/PMML-"):
                hint = (f"namespace {namespace!r}, a PMML version pmmlkit does not read (3.0 to 4.4 are "
                        "supported)")
            else:
                hint = f"unknown namespace {namespace!r}"
            self.report.add("error", "namespace", f"<PMML> has {hint}", line)
            return False
        self.namespace = namespace
        expected = NAMESPACES[namespace]
        if version is None:
            self.report.add("error", "missing-version", f"<PMML> has no version attribute (required; PMML4S "
                            "refuses the document: write "
                            f"version=\"{expected}\")", line)
        elif version != expected and not version.startswith(expected + "."):
            self.report.add("warning", "version", f"version=\"{version}\" does not match the namespace "
                            f"{namespace!r} (PMML {expected})", line)
        return True

    def end(self, node: etree._Element, tree_cut: rawtrees.Cut | None = None) -> None:
        """A unit element is complete: check it (and, streaming, drop what is no longer needed).

        ``tree_cut``: for a TreeModel, its root Node's bytes as the document has them, when the scan
        could cut them out (the tree screen then reads them, screened at most once, instead of
        serializing the Node again), and whether the parser got a stand-in in their place (see
        ``rawtrees``)."""
        self.tree_cut = tree_cut
        tag = local(node)
        self.seen.add(tag or "")
        if tag == "DataField":
            self._data_field(node)
        elif tag == "DataDictionary":
            self._data_dictionary(node)
        elif tag == "TransformationDictionary":
            self._transformation_dictionary(node)
        elif tag in MODEL_TAGS:
            self._model_end(node)
        elif tag == "Segment":
            self._segment_end(node)
        elif tag == "Extension":
            if not is_own_extension(node):  # pmmlkit's own change no score: nothing is lost
                self.extensions.append(node.sourceline)
            if self.drop:
                node.clear(keep_tail=True)
            elif self.empty_extensions:
                empty_element(node)
        elif tag == "row":
            table = node.getparent()
            if table is not None:
                self.rows[table] = self.rows.get(table, 0) + 1
                cells = {local(cell) or "" for cell in node}
                self.table_columns.setdefault(table, set()).update(cells)
                # A cell holding an element has no value for PMML4S (its key is missing).
                valued = {local(cell) or "" for cell in node if not any(isinstance(c.tag, str) for c in cell)}
                common = self.table_common.get(table)
                self.table_common[table] = valued if common is None else common & valued
                holder = table.getparent()
                if holder is not None and local(holder) == "TrainingInstances":
                    unfit_types(node, self.table_unfit.setdefault(table, {}))
                if self.drop:
                    drop_previous(node)

    def finish(self, root: etree._Element) -> None:
        """The root element is complete: document-level checks."""
        namespace = etree.QName(root).namespace
        for node in root:
            tag = local(node)
            if tag is None:
                continue
            if etree.QName(node).namespace != namespace:
                self.error("namespace", f"<{tag}> is in namespace {etree.QName(node).namespace!r}, not the "
                           f"document's {namespace!r}", node)
            elif tag not in TOP_LEVEL:
                self.warning("unknown-element", f"unexpected element <{tag}> under <PMML>", node)
        if child(root, "Header") is None:
            self.error("missing-header", "the document has no <Header> (required by PMML)", root)
        if child(root, "DataDictionary") is None:
            self.error("missing-data-dictionary", "the document has no <DataDictionary>", root)
        if not any(local(c) in MODEL_TAGS for c in root):
            self.error("no-model", "the document contains no model element (e.g. <RegressionModel>, <TreeModel>)",
                       root)
        if self.extensions:
            more = f" (and {len(self.extensions) - 1} more)" if len(self.extensions) > 1 else ""
            self.report.add("warning", "interop-extension", f"the document has Extension elements{more}: "
                            "evaluators ignore them, so any meaning they carry is lost", self.extensions[0])
        if self.floats:
            first = self.floats[0]
            more = f" (and {len(self.floats) - 1} more)" if len(self.floats) > 1 else ""
            self.report.add("warning", "interop-float", f"field {first.name!r} has dataType=\"float\"{more}: "
                            "PMML4S computes it in double precision, JPMML-Evaluator in float, so their scores "
                            "can differ", first.line)

    # -- references and values -------------------------------------------------------------------
    def _uses(self, node: etree._Element, scope: set[str], fields: dict[str, Field], where: str,
              parent: set[str] | None = None, include_self: bool = False) -> None:
        context = Scope(node, {}, scope, fields, parent or set(), 0)
        if include_self:
            self._node(node, context, where, None, None)
        for inner in walk(node):
            self._node(inner, context, where, None, None)

    def _node(self, node: etree._Element, context: Scope, where: str, target: Field | None,
              function: str | None) -> None:
        """Every check of one element of a model body (or of a transformation)."""
        tag = local(node) or ""
        if tag == "Apply":
            self._apply(node, where)
            return
        for attribute in REFERENCES.get(tag, ()):
            name = node.get(attribute)
            if name is None or name in context.visible:
                continue
            if name in context.parent or name in self.fields:
                self.error("not-in-mining-schema", f"{where}: <{tag}> uses field {name!r}, which is defined but "
                           "not listed in this model's MiningSchema", node)
            else:
                self.error("undefined-field", f"{where}: <{tag} {attribute}=\"{name}\"> refers to a field that "
                           "is not defined", node)
        if tag in NUMBERS:
            self._numbers(node)
        if tag == "SimplePredicate":
            self._simple_predicate(node, context)
        elif tag == "SimpleSetPredicate":
            self._set_predicate(node, context)
        elif tag == "NumericPredictor":
            declared = context.fields.get(node.get("name") or "")
            if declared is not None and declared.data_type in ("string", "boolean"):
                self.error("type-conflict", f"NumericPredictor {declared.name!r} multiplies a {declared.data_type} "
                           "field by a coefficient", node)
        elif tag == "Interval":
            self._interval(node)
        elif tag == "CategoricalPredictor":
            self._categorical_value(node, context)
        elif tag == "BayesInput":
            self._pair_values(node, context)
        elif tag == "TableLocator":
            self._unsupported(node, "<TableLocator> (a table outside the document)")
        elif tag == "Aggregate":
            self._unsupported(node, "<Aggregate> (PMML4S does not implement it)")
        elif tag in ("Constant", "Discretize", "MapValues"):
            self._expression_values(node, tag)
            if tag == "MapValues":
                self._table_columns(node)
        elif tag == "NormContinuous":
            self._linear_norms(node)
        elif tag == "Array":
            self._array_count(node)
        elif tag == "DerivedField":
            declared = declared_field(node)
            if declared.data_type == "float":
                self.floats.append(declared)
        if target is not None and target.values and function == "classification":
            self._classes(node, tag, target)
        if tag in ("Node", "SimpleRule", "CompoundRule") or tag == "Targets":
            self._probabilities(node, tag)
