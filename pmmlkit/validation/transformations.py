"""The transformation rules: functions applied (known, with the right number of arguments), values an
expression yields that must fit its type, LinearNorm order, Array counts."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import ARRAY_ITEM, child, children, local
from .vocabulary import ARITHMETIC, ARITY, BOOLEAN_WORDS, BUILTINS_4_3, BUILTINS_4_4, CURRENT, NUMERIC_TYPES, number


class TransformationRules(CheckerBase):
    def _apply(self, node: etree._Element, where: str) -> None:
        name = node.get("function")
        if name is not None and not name.startswith("x-") and name not in self.functions:
            if name in BUILTINS_4_4:
                if self.namespace == CURRENT:
                    self.warning("interop-4.4", f"{where} applies {name!r}, a function new in PMML 4.4 that "
                                 "older evaluators reject", node)
            elif name not in BUILTINS_4_3:
                self.error("unknown-function", f"{where} applies function {name!r}, which is neither built "
                           "in nor defined in the TransformationDictionary", node)
                return
            self._arity(node, name, where)
            if name == "if":
                self._condition(node, where)
        elif name is not None and name in self.functions:  # a DefineFunction takes one argument per parameter
            wanted = len(children(self.functions[name], "ParameterField"))
            count = sum(1 for c in node if isinstance(c.tag, str) and local(c) != "Extension")
            if count != wanted:
                self.error("function-arity", f"{where} applies {name!r} to {count} argument(s); it takes {wanted}",
                           node)

    def _condition(self, node: etree._Element, where: str) -> None:
        """An "if" whose condition is a text Constant other than true or false: PMML4S reads the text as
        a boolean (any case, not "1") and fails on every record (a Constant typed as a number is
        true when it is not 0)."""
        condition = next((c for c in node if isinstance(c.tag, str) and local(c) != "Extension"), None)
        if condition is None or local(condition) != "Constant" or condition.get("missing") == "true" or \
                condition.get("dataType") not in (None, "string"):
            return
        text = (condition.text or "").strip()
        if text.lower() not in ("true", "false"):
            self.error("value-type", f"{where} applies \"if\" to the condition <Constant>{text}</Constant>, which is "
                       "not true or false: the engine fails on every record (give a boolean condition, or "
                       "dataType=\"boolean\")", condition)

    def _expression_values(self, node: etree._Element, tag: str) -> None:
        """Constant, Discretize and MapValues values that cannot be the number their result must be."""
        data_type = node.get("dataType")
        parent = node.getparent()
        if data_type is None and parent is not None and local(parent) == "DerivedField":
            data_type = parent.get("dataType")  # the expression's value is the field's
        if tag == "Constant" and data_type == "boolean" and (node.text or "").strip() not in BOOLEAN_WORDS | {""}:
            self.error("value-type", f"<Constant dataType=\"boolean\">{(node.text or '').strip()}</Constant> is not "
                       "true or false (the engine fails to load it)", node)
            return
        if tag == "Constant" and data_type not in NUMERIC_TYPES and parent is not None and local(parent) == "Apply" and \
                parent.get("function") in ARITHMETIC and (node.text or "").strip() and number(node.text) is None:
            data_type = "double"  # an arithmetic function's argument: a number or nothing, whatever its dataType
        if data_type not in NUMERIC_TYPES:
            return
        if tag == "Constant":
            values = [] if node.get("missing") == "true" or not (node.text or "").strip() else \
                [("value", node, node.text)]
        else:
            values = [(a, node, node.get(a)) for a in ("mapMissingTo", "defaultValue")]
            values += [("binValue", b, b.get("binValue")) for b in children(node, "DiscretizeBin")]
        for attribute, where, text in values:
            if text is not None and number(text) is None:
                what = f"<Constant>{text.strip()}</Constant>" if tag == "Constant" else f"<{local(where)} " \
                    f"{attribute}=\"{text}\">"
                self.error("value-type", f"{what} is not a number, but its value is a {data_type}: records it "
                           "reaches get no score", where)
                return

    def _linear_norms(self, node: etree._Element) -> None:
        origins = [number(n.get("orig")) for n in children(node, "LinearNorm")]
        if None in origins:
            return  # reported as non-finite
        for before, after in zip(origins, origins[1:]):
            if not before < after:  # type: ignore[operator]
                self.error("linear-norm-order", f"<NormContinuous field=\"{node.get('field')}\">'s LinearNorm orig "
                           f"values are not strictly ascending ({before:g} then {after:g}): the "
                           "interpolation is undefined", node)
                return

    def _array_count(self, node: etree._Element) -> None:
        declared = node.get("n")
        if declared is None:
            return
        text = node.text or ""
        count = len(ARRAY_ITEM.findall(text)) if '"' in text else len(text.split())
        if declared.strip() != str(count):
            self.error("array-count", f"<Array n=\"{declared}\"> holds {count} values", node)

    def _arity(self, node: etree._Element, name: str, where: str) -> None:
        bounds = ARITY.get(name)
        if bounds is None:
            return
        count = sum(1 for c in node if isinstance(c.tag, str) and local(c) != "Extension")
        least, most = bounds
        if count < least or (most is not None and count > most):
            wanted = str(least) if least == most else f"{least} to {most}" if most else f"at least {least}"
            self.error("function-arity", f"{where} applies {name!r} to {count} argument(s); it takes {wanted}",
                       node)

    def _table_columns(self, node: etree._Element) -> None:
        """A MapValues whose InlineTable lacks a column it names: every lookup misses (PMML4S scores
        null, JPMML refuses the document)."""
        table = child(node, "InlineTable")
        if table is None:
            if child(node, "TableLocator") is None:  # (a TableLocator is refused as unsupported)
                self.error("table-column", f"<{local(node)}> has no InlineTable to look its values up in: the engine "
                           "fails on every record", node)
            return
        held = self.table_columns.pop(table, None)
        if held is None:  # the rows were not streamed past end() (a tree checked as a whole)
            held = {local(cell) or "" for row in children(table, "row") for cell in row}
        if not held:
            return  # no rows: every lookup takes defaultValue/mapMissingTo, as written
        named = [("outputColumn", node.get("outputColumn"), node)]
        named += [("column", pair.get("column"), pair) for pair in children(node, "FieldColumnPair")]
        for attribute, column, where in named:
            if column is not None and column not in held:
                self.error("table-column", f"<{local(where)} {attribute}=\"{column}\"> names a column its "
                           f"InlineTable does not have (it has {', '.join(sorted(held))}): every lookup misses", where)
                return

