"""Spark ML SQLTransformer -> PMML derived fields.

Only projections ``SELECT *, <expression> AS <name>, ... FROM __THIS__`` convert: arithmetic,
comparisons, AND/OR/NOT, CASE WHEN and simple math functions, parsed by a small recursive-descent
parser into PMML Apply elements. Anything else is refused with a message saying what is supported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from pmmlkit.builders.expressions import apply, constant, flag, if_chain, ref
from pmmlkit.builders.fields import Field
from pmmlkit.context import Context

from .columns import Columns, StageContext


def converters() -> dict[type, Callable[..., Any]]:
    from pyspark.ml import feature as F

    return {F.SQLTransformer: convert_sql_transformer}


_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|`([^`]+)`|([A-Za-z_][A-Za-z_0-9]*)"
                    r"|(<=|>=|<>|!=|==|[-+*/(),=<>]))")
_COMPARISONS = {"<": "lessThan", "<=": "lessOrEqual", ">": "greaterThan", ">=": "greaterOrEqual",
                "=": "equal", "==": "equal", "<>": "notEqual", "!=": "notEqual"}
_FUNCTIONS = {"abs": "abs", "sqrt": "sqrt", "exp": "exp", "ln": "ln", "log": "ln", "log10": "log10",
              "pow": "pow", "power": "pow", "floor": "floor", "ceil": "ceil", "ceiling": "ceil",
              "greatest": "max", "least": "min"}


def convert_sql_transformer(stage: Any, fields: list[Field], context: StageContext) -> list[Field]:
    """``SELECT *, <expression> AS <name>, ... FROM __THIS__`` with arithmetic, comparisons,
    AND/OR/NOT, CASE WHEN and simple math functions; anything else is refused."""
    columns = context.columns
    statement = stage.getStatement()
    match = re.fullmatch(r"\s*select\s+(.*?)\s+from\s+__THIS__\s*;?\s*", statement, re.IGNORECASE | re.DOTALL)
    if match is None:
        raise context.error(f"SQLTransformer statement {statement!r} is not of the form "
                            "'SELECT *, <expression> AS <name> FROM __THIS__'; only such projections convert")
    parser = _SqlParser(match.group(1), columns, context)
    made: list[Field] = []
    for name, expression, is_condition in parser.projections():
        if is_condition:
            expression = flag(expression)
        # The statement names its own columns (no outputCol param): set them here.
        columns[name] = [context.scope.derive(name, expression)]
        made.extend(columns[name])
    return made


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
        return self.operators(("or",), self.conjunction, logical=True)

    def conjunction(self) -> tuple[etree._Element, bool]:
        return self.operators(("and",), self.negation, logical=True)

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
        return self.operators(("+", "-"), self.product, logical=False)

    def product(self) -> tuple[etree._Element, bool]:
        return self.operators(("*", "/"), self.unary, logical=False)

    def operators(self, names: tuple[str, ...], operand: Callable[[], tuple[etree._Element, bool]],
                  logical: bool) -> tuple[etree._Element, bool]:
        """``operand (name operand)*``, grouped from the left; AND/OR join conditions, + - * / numbers."""
        convert = self.condition if logical else self.number
        left = operand()
        while self.peek(*names):
            name = self.take(*names)
            left = (apply(name, convert(left), convert(operand())), logical)
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
        return if_chain(branches, otherwise), False

    def condition(self, item: tuple[etree._Element, bool]) -> etree._Element:
        expression, is_condition = item
        if not is_condition:
            raise self.fail("a condition (comparison) is expected")
        return expression

    def number(self, item: tuple[etree._Element, bool]) -> etree._Element:
        expression, is_condition = item
        return flag(expression) if is_condition else expression
