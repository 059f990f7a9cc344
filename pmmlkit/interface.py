"""describe(): the interface part of a summary: what a PMML document's top-level model takes and gives, read from the XML (no JVM)."""

from __future__ import annotations

from typing import Any

from .errors import PMMLError


def describe(root: Any) -> dict[str, Any]:
    """What a PMML document's top-level model takes and gives (read from the XML, no JVM)."""
    from .pmml import find_child, model_element, tag_of
    from .scoring.evaluator import declared_fields

    def local(node: Any) -> str | None:
        return tag_of(node) if isinstance(node.tag, str) else None

    declared = declared_fields(root)
    model = model_element(root)
    if model is None:
        raise PMMLError("the document has no model element")
    inputs, targets = [], []
    schema = find_child(model, "MiningSchema")
    for field in [] if schema is None else [c for c in schema if local(c) == "MiningField"]:
        name = field.get("name")
        source = declared.get(name)
        entry = {"name": name,
                 "optype": field.get("optype") or (source.optype if source is not None else None),
                 "dataType": source.data_type if source is not None else None}
        if source is not None and source.values:
            entry["values"] = list(source.values)
        usage = field.get("usageType", "active")
        if usage in ("target", "predicted"):
            targets.append(entry)
        elif usage == "active":
            inputs.append(entry)
    output = find_child(model, "Output")
    outputs = [{"name": f.get("name"), "feature": f.get("feature", "predictedValue"), "dataType": f.get("dataType"),
                **({"value": f.get("value")} if f.get("value") is not None else {})}
               for f in ([] if output is None else output) if local(f) == "OutputField"]
    header = find_child(root, "Header")
    application = None if header is None else find_child(header, "Application")
    return {
        "version": root.get("version"),
        "application": None if application is None else " ".join(filter(None, (application.get("name"),
                                                                                 application.get("version")))),
        "model": local(model), "function": model.get("functionName"), "modelName": model.get("modelName"),
        "inputs": inputs, "targets": targets, "outputs": outputs,
    }
