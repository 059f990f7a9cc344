"""A structured summary of a PMML document: what ``pmmlkit.describe`` and ``pmmlkit info`` show.

Read from the XML alone (no engine): producer, model kinds and their nesting, size (trees, nodes,
depths, leaves; coefficients; layers and neurons; support vectors; clusters), inputs with their
types, categories, ranges and missing-value treatment, derived fields and what they compute,
outputs, targets and embedded verification rows. A :class:`Summary` is a dict (``--json`` prints
it as it is) that also renders as text and, in a notebook, as an HTML card.
"""

from __future__ import annotations

import html
import shlex
from typing import Any

import numpy as np
from lxml import etree

from ..interface import describe as interface
from ..pmml import MODEL_TAGS, find_child, model_element, tag_of
from .trees import flatten


class Summary(dict):
    """The summary as a dict, with a text form (:meth:`text`) and an HTML card (``_repr_html_``)."""

    def text(self) -> str:
        lines = [f"PMML {self['version']}" + (f", written by {self['application']}" if self["application"] else ""),
                 f"model:    {self['model']} ({self['function']})" + (f" {self['modelName']!r}" if self["modelName"]
                                                                      else "")]
        lines += [f"  {'  ' * m['depth']}{m['kind']}" + (f" [{m['method']}]" if m.get("method") else "")
                  + (f" x{m['count']}" if m.get("count", 1) > 1 else "") for m in self["structure"]]
        lines.append("size:     " + ", ".join(f"{k.replace('_', ' ')} {_number(v)}" for k, v in self["size"].items()))
        lines.append("target:   " + (", ".join(_field_text(t) for t in self["targets"]) or "(none)"))
        lines.append(f"inputs ({len(self['inputs'])}):")
        lines += [f"  {_field_text(f)}" for f in self["inputs"]]
        if self["derived"]:
            lines.append(f"derived fields ({len(self['derived'])}):")
            lines += [f"  {d['name']} = {d['computes']}" for d in self["derived"][:20]]
            if len(self["derived"]) > 20:
                lines.append(f"  ... and {len(self['derived']) - 20} more")
        lines.append(f"outputs ({len(self['outputs'])}):")
        lines += [f"  {o['name']}: {o['feature']}" + (f" {o['value']!r}" if "value" in o else "")
                  + (f" [{o['dataType']}]" if o["dataType"] else "") for o in self["outputs"]]
        lines.append(f"verification rows: {self['verification_rows']}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td>{e(f['name'])}</td><td>{e(str(f['optype']))}</td><td>{e(str(f['dataType']))}</td>"
                       f"<td>{e(_accepts(f))}</td></tr>" for f in self["inputs"])
        size = ", ".join(f"{k.replace('_', ' ')} {_number(v)}" for k, v in self["size"].items())
        outputs = ", ".join(e(o["name"]) for o in self["outputs"])
        return (f"<div class='pmmlkit-summary'><b>{e(self['model'])}</b> ({e(str(self['function']))}), PMML "
                f"{e(str(self['version']))}{', by ' + e(self['application']) if self['application'] else ''}<br>"
                f"<small>{e(size)}</small><table><tr><th>input</th><th>optype</th><th>dataType</th>"
                f"<th>accepts</th></tr>{rows}</table><small>outputs: {outputs}; "
                f"{self['verification_rows']} verification rows</small></div>")


def summarize(root: etree._Element) -> Summary:
    """The summary of a parsed (gated) document."""
    summary = Summary(interface(root))
    model = model_element(root)
    dictionary = {f.get("name"): f for f in root.iter("{*}DataField")}
    mining = find_child(model, "MiningSchema")
    schema = {f.get("name"): f for f in ([] if mining is None else mining) if isinstance(f.tag, str)}
    used = categories_used(root)
    for entry in summary["inputs"] + summary["targets"]:
        entry.update(_field_facts(dictionary.get(entry["name"]), schema.get(entry["name"])))
        if not entry.get("values") and used.get(entry["name"]):
            entry["values"] = used[entry["name"]]
            entry["values_from"] = "the model's own comparisons (the DataDictionary lists none)"
    summary["structure"] = _structure(model)
    summary["size"] = _size(model)
    summary["derived"] = [{"name": d.get("name"), "dataType": d.get("dataType"), "computes": _expression(d)}
                          for d in root.iter("{*}DerivedField")]
    summary["verification_rows"] = sum(len([r for r in t if isinstance(r.tag, str)])
                                       for t in root.iter("{*}InlineTable")
                                       if t.getparent() is not None and tag_of(t.getparent()) == "ModelVerification")
    return summary


def categories_used(root: etree._Element) -> dict[str, list[str]]:
    """For each field, the category values the document compares it with (NormDiscrete, MapValues,
    equal/notEqual predicates, set predicates), followed through derived fields that copy one field
    (an imputer's ``imputed(city)`` counts for ``city``)."""
    copies = {}
    for derived in root.iter("{*}DerivedField"):
        expression = next((c for c in derived if isinstance(c.tag, str) and tag_of(c) != "Extension"), None)
        refs = {n.get("field") for n in ([] if expression is None else expression.iter()) if n.get("field")}
        if len(refs) == 1:
            copies[derived.get("name")] = next(iter(refs))

    def origin(name: str) -> str:
        seen = set()
        while name in copies and name not in seen:
            seen.add(name)
            name = copies[name]
        return name

    found: dict[str, dict[str, None]] = {}
    for node in root.iter("{*}NormDiscrete", "{*}SimplePredicate", "{*}SimpleSetPredicate",
                          "{*}CategoricalPredictor", "{*}FieldColumnPair"):
        kind = tag_of(node)
        name = node.get("field") or node.get("name")
        if not name:
            continue
        if kind == "SimplePredicate" and node.get("operator") not in ("equal", "notEqual"):
            continue
        values = [node.get("value")] if node.get("value") is not None else []
        if kind == "SimpleSetPredicate":
            array = next((c for c in node if isinstance(c.tag, str) and tag_of(c) == "Array"), None)
            values = shlex.split(array.text or "") if array is not None and array.get("type") == "string" else []
        for value in values:
            found.setdefault(origin(name), {})[value] = None
    return {k: list(v) for k, v in found.items()}


def _field_facts(field: etree._Element | None, mining: etree._Element | None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if field is not None:
        intervals = [(i.get("leftMargin"), i.get("rightMargin"), i.get("closure", "closedClosed"))
                     for i in field if isinstance(i.tag, str) and tag_of(i) == "Interval"]
        if intervals:
            facts["intervals"] = [{"left": _float(a), "right": _float(b), "closure": c} for a, b, c in intervals]
        invalid = [v.get("value") for v in field if isinstance(v.tag, str) and tag_of(v) == "Value"
                   and v.get("property") == "invalid"]
        if invalid:
            facts["invalid_values"] = invalid
        missing = [v.get("value") for v in field if isinstance(v.tag, str) and tag_of(v) == "Value"
                   and v.get("property") == "missing"]
        if missing:
            facts["missing_values"] = missing
    if mining is not None:
        for attribute in ("missingValueReplacement", "missingValueTreatment", "invalidValueTreatment",
                          "outliers", "lowValue", "highValue", "importance"):
            if mining.get(attribute) is not None:
                facts[attribute] = mining.get(attribute)
    return facts


def _structure(model: etree._Element) -> list[dict[str, Any]]:
    """The model kinds nested in ``model``, depth first; runs of the same kind at one level are counted once."""
    out: list[dict[str, Any]] = []

    def visit(node: etree._Element, depth: int) -> None:
        entry: dict[str, Any] = {"kind": tag_of(node), "depth": depth, "count": 1}
        segmentation = find_child(node, "Segmentation")
        if segmentation is not None:
            entry["method"] = segmentation.get("multipleModelMethod")
        if out and out[-1]["kind"] == entry["kind"] and out[-1]["depth"] == depth and segmentation is None \
                and "method" not in out[-1]:
            out[-1]["count"] += 1
            return
        out.append(entry)
        if segmentation is not None:
            for segment in segmentation:
                if isinstance(segment.tag, str) and tag_of(segment) == "Segment":
                    sub = next((c for c in segment if isinstance(c.tag, str) and tag_of(c) in MODEL_TAGS), None)
                    if sub is not None:
                        visit(sub, depth + 1)

    visit(model, 0)
    return out


def _size(model: etree._Element) -> dict[str, Any]:
    size: dict[str, Any] = {}
    trees = [flatten(t) for t in model.iter("{*}TreeModel")]
    if trees:
        depths = np.array([int(t.depth.max()) for t in trees])
        size.update(trees=len(trees), nodes=int(sum(t.size for t in trees)),
                    leaves=int(sum(int(t.is_leaf.sum()) for t in trees)),
                    max_depth=int(depths.max()), mean_depth=round(float(depths.mean()), 2))
    coefficients = sum(1 for _ in model.iter("{*}NumericPredictor", "{*}CategoricalPredictor",
                                             "{*}PredictorTerm", "{*}PCell"))
    if coefficients:
        size["coefficients"] = coefficients
    layers = list(model.iter("{*}NeuralLayer"))
    if layers:
        size["layers"] = len(layers)
        size["neurons"] = sum(1 for _ in model.iter("{*}Neuron"))
    vectors = list(model.iter("{*}VectorInstance"))
    if vectors:
        size["support_vectors"] = len(vectors)
    clusters = list(model.iter("{*}Cluster"))
    if clusters:
        size["clusters"] = len(clusters)
    return size


def _expression(derived: etree._Element) -> str:
    """A one-line reading of a DerivedField's expression (function and fields, not every constant)."""
    expression = next((c for c in derived if isinstance(c.tag, str) and tag_of(c) != "Extension"), None)
    return "?" if expression is None else _reading(expression, 0)


def _reading(node: etree._Element, depth: int) -> str:
    kind = tag_of(node)
    if kind == "FieldRef":
        return node.get("field")
    if kind == "Constant":
        return (node.text or "").strip() or "missing"
    if kind == "Apply":
        args = [c for c in node if isinstance(c.tag, str) and tag_of(c) != "Extension"]
        if depth >= 3:
            return f"{node.get('function')}(...)"
        return f"{node.get('function')}({', '.join(_reading(a, depth + 1) for a in args)})"
    if kind in ("NormContinuous", "NormDiscrete", "Discretize", "MapValues", "TextIndex", "Aggregate"):
        field = node.get("field") or ", ".join(c.get("field") for c in node.iter("{*}FieldColumnPair"))
        return f"{kind}({field}{', ' + node.get('value') if node.get('value') is not None else ''})"
    return kind


def _field_text(field: dict[str, Any]) -> str:
    text = f"{field['name']} ({field['optype'] or '?'} {field['dataType'] or '?'})"
    if field.get("values"):
        shown = field["values"][:8]
        text += " values: " + ", ".join(shown) + (", ..." if len(field["values"]) > 8 else "")
    if field.get("intervals"):
        text += " in " + ", ".join(f"[{i['left']}, {i['right']}]" for i in field["intervals"])
    if field.get("missingValueReplacement") is not None:
        text += f" missing -> {field['missingValueReplacement']}"
    return text


def _accepts(field: dict[str, Any]) -> str:
    if field.get("values"):
        return ", ".join(field["values"][:12]) + (" ..." if len(field["values"]) > 12 else "")
    if field.get("intervals"):
        return ", ".join(f"[{i['left']}, {i['right']}]" for i in field["intervals"])
    return "any " + ("number" if field.get("dataType") in ("double", "float", "integer") else "value")


def _float(text: str | None) -> float | None:
    return None if text is None else float(text)


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)
