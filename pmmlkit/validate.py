"""validate(): structural and field-scope checks of a PMML document, reported, never raised.

This is not the official XSD check: it looks for the mistakes that make evaluators refuse or
misread a document (undefined or duplicated fields, a missing target, a wrong namespace ...).
Every issue carries a stable ``code`` and, where known, the line of the offending element.

Field scope, as evaluators resolve it: a top-level model sees the DataDictionary and the
TransformationDictionary; a model's body sees its MiningSchema fields, its LocalTransformations
and the TransformationDictionary; a segment's MiningSchema draws from its parent model's fields,
plus, in a ``modelChain``, the Output fields of the segments before it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from .document import PMMLDocument
from .errors import ValidationError
from .parsing import parse_bytes, read_source
from .pmml import MODEL_TAGS, find_child, model_element
from .report import Report

NAMESPACES = {f"http://www.dmg.org/PMML-4_{minor}": f"4.{minor}" for minor in range(5)}

_TOP_LEVEL = MODEL_TAGS | {"Header", "MiningBuildTask", "DataDictionary", "TransformationDictionary", "Extension"}
_FUNCTIONS = {"regression", "classification", "clustering", "associationRules", "sequences", "timeSeries",
              "mixed"}

# Elements whose attribute names a field in scope (MiningField is checked against the parent).
_REFERENCES = {
    "FieldRef": ("field",), "SimplePredicate": ("field",), "SimpleSetPredicate": ("field",),
    "NormContinuous": ("field",), "NormDiscrete": ("field",), "Discretize": ("field",),
    "FieldColumnPair": ("field",), "TextIndex": ("textField",), "Aggregate": ("field", "groupField"),
    "Lag": ("field",), "BlockIndicator": ("field",), "NumericPredictor": ("name",),
    "CategoricalPredictor": ("name",), "Predictor": ("name",), "BayesInput": ("fieldName",),
    "BayesOutput": ("fieldName",), "ClusteringField": ("field",), "KNNInput": ("field",),
    "Target": ("field",), "OutputField": ("targetField",), "VerificationField": ("field",),
    "PPCell": ("predictorName",), "VariableWeight": ("field",),
}
# Built-in PMML functions (4.4); "x-" prefixed names are vendor extensions and are not flagged.
_BUILTINS = set("""
+ - * / min max sum avg median product log10 ln sqrt abs exp pow threshold floor ceil round modulo
isMissing isNotMissing isValid isNotValid equal notEqual lessThan lessOrEqual greaterThan greaterOrEqual
and or not isIn isNotIn if uppercase lowercase stringLength substring trimBlanks concat replace matches
formatNumber formatDatetime dateDaysSinceYear dateSecondsSinceYear dateSecondsSinceMidnight
expm1 hypot ln1p rint stdNormalCDF stdNormalIDF stdNormalPDF erf normalCDF normalPDF normalIDF
sin cos tan asin acos atan atan2 sinh cosh tanh lowercase weekday
""".split())
_MAX_SEGMENT_DEPTH = 200


def validate(source: Any) -> Report:
    """Check a PMML document (a path, its bytes or its XML text, or a PMMLDocument).

    Returns a :class:`~pmmlkit.report.Report`; ``report.ok`` is false when any error was found.
    Unreadable or malformed input is reported too (codes ``io``, ``empty``, ``xml-syntax``,
    ``doctype``, ``depth``), never raised.
    """
    label = None
    if isinstance(source, PMMLDocument):
        source, label = source.to_bytes(), "<document>"
    try:
        data, name = read_source(source)
    except TypeError:
        report = Report(source="<input>")
        report.add("error", "io", f"cannot validate a {type(source).__name__}: give a path, bytes or XML text")
        return report
    except ValidationError as exc:
        report = Report(source=os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<input>")
        report.add("error", "io", str(exc))
        return report
    report = Report(source=label or name)
    root = _parse(data, name, report)
    if root is not None:
        try:
            _Checker(report).run(root)
        except RecursionError:
            report.add("error", "depth", "the document is nested too deeply to check")
        except Exception as exc:  # a checker bug must not hide the issues found so far
            report.add("error", "internal", f"validation stopped early ({type(exc).__name__}: {exc}); "
                       "please report this document to pmmlkit")
    return report


# -- parsing -------------------------------------------------------------------------------------
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_LINE = re.compile(r"\(line (\d+)\)")


def _parse(data: bytes, name: str, report: Report) -> etree._Element | None:
    if not data.strip():
        report.add("error", "empty", "the file is empty")
        return None
    # A DOCTYPE is refused before parsing: that is what keeps entity tricks (billion laughs,
    # external entities reading local files) from ever being expanded.
    first = _FIRST_ELEMENT.search(data)
    if b"<!DOCTYPE" in data[: first.start() if first else len(data)]:
        report.add("error", "doctype", "a DOCTYPE declaration is not allowed in PMML (DTDs and entities are "
                   "refused, nothing was expanded)", _line_of(data, b"<!DOCTYPE"))
        return None
    try:
        return parse_bytes(data, name).getroot()
    except ValidationError as exc:
        message = str(exc)
        if message.startswith(f"{name}: "):
            message = message[len(name) + 2:]
        match = _LINE.search(message)
        line = int(match.group(1)) if match else None
        message = _LINE.sub("", message).replace(" :", ":")
        if "DOCTYPE" in message:
            code = "doctype"
        elif "nested too deeply" in message or "Excessive depth" in message:
            code = "depth"
            message = "the document is nested too deeply to be read safely (more than 2048 levels)"
        else:
            code = "xml-syntax"
        report.add("error", code, message, line)
        return None


def _line_of(data: bytes, needle: bytes) -> int | None:
    at = data.find(needle)
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None


# -- helpers -------------------------------------------------------------------------------------
def _local(node: etree._Element) -> str | None:
    return etree.QName(node).localname if isinstance(node.tag, str) else None


def _children(node: etree._Element, tag: str) -> list[etree._Element]:
    return [c for c in node if _local(c) == tag]


def _walk(node: etree._Element, skip: frozenset[str] = frozenset()) -> Iterator[etree._Element]:
    """Elements under ``node`` (itself excluded), not entering Extensions, nested models or ``skip``."""
    stack = [c for c in reversed(node) if isinstance(c.tag, str)]
    while stack:
        current = stack.pop()
        tag = _local(current)
        if tag == "Extension" or tag in MODEL_TAGS or tag in skip:
            continue
        yield current
        stack.extend(c for c in reversed(current) if isinstance(c.tag, str))


class _Checker:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.fields: dict[str, etree._Element] = {}  # DataField / global DerivedField declarations
        self.functions: set[str] = set()

    def error(self, code: str, message: str, node: etree._Element | None = None) -> None:
        self.report.add("error", code, message, node.sourceline if node is not None else None)

    def warning(self, code: str, message: str, node: etree._Element | None = None) -> None:
        self.report.add("warning", code, message, node.sourceline if node is not None else None)

    # -- document --------------------------------------------------------------------------------
    def run(self, root: etree._Element) -> None:
        qname = etree.QName(root)
        if qname.localname != "PMML":
            self.error("root", f"the root element is <{qname.localname}>, not <PMML>: this is not a PMML document",
                       root)
            return
        if not self._namespace(root, qname.namespace):
            return
        children = [c for c in root if isinstance(c.tag, str)]
        foreign = [c for c in children if etree.QName(c).namespace != qname.namespace]
        for node in foreign:
            self.error("namespace", f"<{_local(node)}> is in namespace {etree.QName(node).namespace!r}, not the "
                       f"document's {qname.namespace!r}", node)
        children = [c for c in children if c not in foreign]
        for node in children:
            if _local(node) not in _TOP_LEVEL:
                self.warning("unknown-element", f"unexpected element <{_local(node)}> under <PMML>", node)
        if find_child(root, "Header") is None:
            self.error("missing-header", "the document has no <Header> (required by PMML)", root)
        dictionary = find_child(root, "DataDictionary")
        if dictionary is None:
            self.error("missing-data-dictionary", "the document has no <DataDictionary>", root)
        else:
            self._data_dictionary(dictionary)
        transformations = find_child(root, "TransformationDictionary")
        if transformations is not None:
            self._transformation_dictionary(transformations)
        models = [c for c in children if _local(c) in MODEL_TAGS]
        if not models:
            self.error("no-model", "the document contains no model element (e.g. <RegressionModel>, <TreeModel>)",
                       root)
        visible = set(self.fields)
        for model in models:
            self._model(model, visible, top_level=True, depth=0)

    def _namespace(self, root: etree._Element, namespace: str | None) -> bool:
        version = root.get("version")
        if namespace not in NAMESPACES:
            if namespace is None:
                hint = "no namespace (expected xmlns=\"http://www.dmg.org/PMML-4_4\")"
            elif namespace.startswith("http://www.dmg.org/PMML-"):
                hint = f"namespace {namespace!r}, a PMML version pmmlkit does not read (4.0 to 4.4 are supported)"
            else:
                hint = f"unknown namespace {namespace!r}"
            self.error("namespace", f"<PMML> has {hint}", root)
            return False
        expected = NAMESPACES[namespace]
        if version is None:
            self.error("version", f"<PMML> has no version attribute (expected version=\"{expected}\")", root)
        elif version != expected and not version.startswith(expected + "."):
            self.warning("version", f"version=\"{version}\" does not match the namespace {namespace!r} "
                         f"(PMML {expected})", root)
        return True

    # -- dictionaries ----------------------------------------------------------------------------
    def _declare(self, table: dict[str, etree._Element], node: etree._Element, what: str) -> None:
        name = node.get("name")
        if name is None:
            self.error("missing-name", f"a <{_local(node)}> in {what} has no name", node)
            return
        if name in table:
            other = table[name].sourceline
            self.error("duplicate-field", f"field {name!r} is defined twice in {what}"
                       + (f" (first on line {other})" if other else ""), node)
            return
        table[name] = node

    def _data_dictionary(self, dictionary: etree._Element) -> None:
        fields = _children(dictionary, "DataField")
        for node in fields:
            self._declare(self.fields, node, "the DataDictionary")
            if node.get("optype") is None or node.get("dataType") is None:
                self.error("field-type", f"DataField {node.get('name')!r} needs both optype and dataType", node)
        declared = dictionary.get("numberOfFields")
        if declared is not None and declared.strip() != str(len(fields)):
            self.warning("number-of-fields", f"DataDictionary numberOfFields=\"{declared}\" but it holds "
                         f"{len(fields)} DataField elements", dictionary)

    def _transformation_dictionary(self, node: etree._Element) -> None:
        for function in _children(node, "DefineFunction"):
            name = function.get("name")
            if name in self.functions:
                self.error("duplicate-function", f"function {name!r} is defined twice", function)
            self.functions.add(name)
        derived = _children(node, "DerivedField")
        for field in derived:
            self._declare(self.fields, field, "the DataDictionary and TransformationDictionary")
        for function in _children(node, "DefineFunction"):
            parameters = {p.get("name") for p in _children(function, "ParameterField")}
            self._references(function, parameters, f"function {function.get('name')!r}")
        everything = set(self.fields)
        for field in derived:
            self._references(field, everything, f"DerivedField {field.get('name')!r}")

    # -- models ----------------------------------------------------------------------------------
    def _model(self, model: etree._Element, parent: set[str], top_level: bool, depth: int) -> set[str]:
        """Check one model element against the fields its parent offers; returns its Output names."""
        tag = _local(model)
        if depth > _MAX_SEGMENT_DEPTH:
            self.error("depth", f"models are nested more than {_MAX_SEGMENT_DEPTH} levels deep", model)
            return set()
        function = model.get("functionName")
        if function is None:
            self.error("function-name", f"<{tag}> has no functionName", model)
        elif function not in _FUNCTIONS:
            self.error("function-name", f"<{tag}> has an unknown functionName=\"{function}\"", model)

        schema = find_child(model, "MiningSchema")
        mining: dict[str, etree._Element] = {}
        if schema is None:
            self.error("missing-mining-schema", f"<{tag}> has no <MiningSchema>", model)
        else:
            for field in _children(schema, "MiningField"):
                name = field.get("name")
                if name in mining:
                    self.error("duplicate-field", f"MiningField {name!r} is listed twice", field)
                mining[name] = field
                # A nested model's own target (a member of a model chain) is declared in the
                # DataDictionary; it is what that model predicts, not an input from the parent.
                own_target = field.get("usageType") in ("target", "predicted") and name in self.fields \
                    and _local(self.fields[name]) == "DataField"
                if name not in parent and not (own_target and not top_level):
                    where = "DataDictionary" if top_level else "enclosing model"
                    self.error("undefined-field", f"MiningField {name!r} is not defined in the {where}", field)

        # Fields the model's body can see.
        visible = set(mining) | {n for n, node in self.fields.items() if _local(node) == "DerivedField"}
        local = find_child(model, "LocalTransformations")
        local_names: list[etree._Element] = []
        if local is not None:
            table: dict[str, etree._Element] = {}
            for field in _children(local, "DerivedField"):
                self._declare(table, field, "LocalTransformations")
                name = field.get("name")
                if name in visible:
                    self.error("duplicate-field", f"DerivedField {name!r} in LocalTransformations has the name of "
                               "a field already in scope", field)
                local_names.append(field)
            visible |= set(table)
            for field in local_names:
                self._references(field, visible, f"DerivedField {field.get('name')!r}", parent_fields=parent)

        if top_level:
            self._target(model, mining, function)

        # The body (everything except nested models and the sections checked separately).
        skip = frozenset({"MiningSchema", "LocalTransformations", "Output", "ModelVerification", "Segmentation"})
        for node in _walk_model_body(model, skip):
            self._check_node(node, visible, f"<{tag}>", parent)

        # Segments (their models get their own scope).
        segment_outputs: set[str] = set()
        segmentation = find_child(model, "Segmentation")
        if segmentation is not None:
            segment_outputs = self._segmentation(segmentation, visible, depth)

        # Output: may use the model's fields, its other outputs and outputs of its segments.
        outputs: dict[str, etree._Element] = {}
        output = find_child(model, "Output")
        if output is not None:
            for field in _children(output, "OutputField"):
                self._declare(outputs, field, "the Output")
                name = field.get("name")
                if top_level and name in self.fields:
                    self.error("duplicate-field", f"OutputField {name!r} has the name of a field in the "
                               "DataDictionary", field)
            scope = visible | set(outputs) | segment_outputs
            for field in _children(output, "OutputField"):
                self._references(field, scope, f"OutputField {field.get('name')!r}", include_self=True)
                segment = field.get("segmentId")
                if segment is not None and segmentation is not None:
                    ids = {s.get("id") for s in _children(segmentation, "Segment")}
                    if segment not in ids:
                        self.error("undefined-segment", f"OutputField {field.get('name')!r} refers to segment "
                                   f"{segment!r}, which does not exist", field)

        verification = find_child(model, "ModelVerification")
        if verification is not None:
            self._verification(verification, set(mining) | set(outputs) | visible)
        return set(outputs)

    def _segmentation(self, segmentation: etree._Element, visible: set[str], depth: int) -> set[str]:
        chain = segmentation.get("multipleModelMethod") == "modelChain"
        available = set(visible)
        all_outputs: set[str] = set()
        for segment in _children(segmentation, "Segment"):
            predicate = [c for c in segment if isinstance(c.tag, str) and _local(c) not in MODEL_TAGS | {"Extension"}]
            for node in predicate:
                self._check_node(node, available, "a Segment predicate", None)
                for inner in _walk(node):
                    self._check_node(inner, available, "a Segment predicate", None)
            inner_model = model_element(segment)
            if inner_model is None:
                self.error("no-model", "a <Segment> has no model element", segment)
                continue
            outputs = self._model(inner_model, available, top_level=False, depth=depth + 1)
            all_outputs |= outputs
            if chain:
                available |= outputs
        return all_outputs

    def _target(self, model: etree._Element, mining: dict[str, etree._Element], function: str | None) -> None:
        tag = _local(model)
        targets = [name for name, node in mining.items()
                   if node.get("usageType") in ("target", "predicted")]
        if function in ("regression", "classification"):
            declared_elsewhere = find_child(model, "Targets") is not None or find_child(model, "Output") is not None
            if not targets and not declared_elsewhere:
                self.warning("target", f"<{tag}> ({function}) has no target field in its MiningSchema and no "
                             "Output or Targets", model)
            elif len(targets) > 1 and tag != "MiningModel":
                self.warning("target", f"<{tag}> ({function}) has {len(targets)} target fields: {targets}", model)
        for name in targets:
            node = self.fields.get(name)
            if node is None:
                continue
            optype = node.get("optype")
            if function == "classification" and optype == "continuous":
                self.error("target-optype", f"classification target {name!r} is continuous; a class label must be "
                           "categorical or ordinal", node)
            elif function == "regression" and optype in ("categorical", "ordinal"):
                self.warning("target-optype", f"regression target {name!r} is {optype}; expected continuous", node)

    def _verification(self, verification: etree._Element, scope: set[str]) -> None:
        fields = find_child(verification, "VerificationFields")
        count = 0 if fields is None else len(_children(fields, "VerificationField"))
        if fields is not None:
            for node in _children(fields, "VerificationField"):
                self._check_node(node, scope, "ModelVerification", None)
        declared = verification.get("fieldCount")
        if declared is not None and declared.strip() != str(count):
            self.warning("verification-count", f"ModelVerification fieldCount=\"{declared}\" but it lists "
                         f"{count} fields", verification)
        table = find_child(verification, "InlineTable")
        rows = 0 if table is None else len(_children(table, "row"))
        declared = verification.get("recordCount")
        if declared is not None and table is not None and declared.strip() != str(rows):
            self.warning("verification-count", f"ModelVerification recordCount=\"{declared}\" but its table has "
                         f"{rows} rows", verification)

    # -- references ------------------------------------------------------------------------------
    def _references(self, node: etree._Element, scope: set[str], where: str, parent_fields: set[str] | None = None,
                    include_self: bool = False) -> None:
        if include_self:
            self._check_node(node, scope, where, parent_fields)
        for inner in _walk(node):
            self._check_node(inner, scope, where, parent_fields)

    def _check_node(self, node: etree._Element, scope: set[str], where: str, parent_fields: set[str] | None) -> None:
        tag = _local(node)
        if tag == "Apply":
            function = node.get("function")
            if function and function not in _BUILTINS and function not in self.functions \
                    and not function.startswith("x-"):
                self.warning("unknown-function", f"{where} applies function {function!r}, which is neither built "
                             "in nor defined in the TransformationDictionary", node)
            return
        for attribute in _REFERENCES.get(tag, ()):
            name = node.get(attribute)
            if name is None or name in scope:
                continue
            if (parent_fields is not None and name in parent_fields) or name in self.fields:
                self.warning("not-in-mining-schema", f"{where}: <{tag}> uses field {name!r}, which is defined but "
                             "not listed in this model's MiningSchema", node)
            else:
                self.error("undefined-field", f"{where}: <{tag} {attribute}=\"{name}\"> refers to a field that "
                           "is not defined", node)


def _walk_model_body(model: etree._Element, skip: frozenset[str]) -> Iterator[etree._Element]:
    for child in model:
        if not isinstance(child.tag, str):
            continue
        tag = _local(child)
        if tag in skip or tag == "Extension" or tag in MODEL_TAGS:
            continue
        yield child
        yield from _walk(child)


__all__ = ["validate", "NAMESPACES", "MODEL_TAGS"]
