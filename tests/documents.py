"""Small hand-written PMML documents shared by tests: whole documents, the PMML envelope
(:func:`pmml`), and the builder of the small regressions most tests score (:func:`regression`: a
target y, a few inputs, one RegressionTable), so that each test states only what its model does."""

from __future__ import annotations

import re
from collections.abc import Sequence

PREDICTED_Y = ('<Output><OutputField name="predicted_y" optype="continuous" dataType="double" '
               'feature="predictedValue"/></Output>')


def pmml(body: str, description: str | None = None, declaration: bool = False) -> str:
    """A PMML 4.4 document around ``body`` (its DataDictionary and model), with a Header (described
    when ``description`` is given) and, with ``declaration``, an XML declaration."""
    header = "<Header/>" if description is None else f'<Header description="{description}"/>'
    start = '<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else ""
    return f'{start}<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">{header}\n{body}\n</PMML>\n'


def field(name: str, data_type: str = "double", optype: str | None = None, values: Sequence[str] = ()) -> str:
    """A DataField: continuous unless it is a string or a boolean or has ``values`` (categorical)."""
    if optype is None:
        optype = "categorical" if values or data_type in ("string", "boolean") else "continuous"
    listed = "".join(f'<Value value="{v}"/>' for v in values)
    end = f">{listed}</DataField>" if listed else "/>"
    return f'<DataField name="{name}" optype="{optype}" dataType="{data_type}"{end}'


def regression(fields: Sequence[str], table: str, *, intercept: str = "0", inputs: Sequence[str] | None = None,
               output: str = PREDICTED_Y, transformations: str = "", verification: str = "",
               model_name: str | None = None, description: str | None = None, declaration: bool = False) -> str:
    """y = ``intercept`` + the RegressionTable's predictors (``table``), over ``fields`` (DataFields,
    e.g. from :func:`field`; the continuous double target y is added last). Every field is an input,
    or those named in ``inputs`` (a field outside them is one the model was trained on but does not
    use). ``output`` is the Output element (predicted_y; "" for none); ``transformations`` the
    DerivedFields of a LocalTransformations; ``verification`` a ModelVerification element; the rest
    as for :func:`pmml`."""
    names = inputs if inputs is not None else [re.search(r'name="([^"]+)"', f).group(1) for f in fields]
    mining = "".join(f'<MiningField name="{n}"/>' for n in names)
    lines = [
        "  <DataDictionary>", *(f"    {f}" for f in fields), f"    {field('y')}", "  </DataDictionary>",
        '  <RegressionModel functionName="regression"' + (f' modelName="{model_name}">' if model_name else ">"),
        f'    <MiningSchema><MiningField name="y" usageType="target"/>{mining}</MiningSchema>',
        *([f"    {output}"] if output else []),
        *([f"    <LocalTransformations>{transformations}</LocalTransformations>"] if transformations else []),
        f'    <RegressionTable intercept="{intercept}">{table}</RegressionTable>',
        *([f"    {verification}"] if verification else []),
        "  </RegressionModel>",
    ]
    return pmml("\n".join(lines), description, declaration)


# y = 0.5 + 2 * x, with its output field declared.
LINEAR = regression([field("x")], '<NumericPredictor name="x" coefficient="2"/>', intercept="0.5")

# k: a categorical integer field whose classes include a whole number beyond 2**53; i: continuous.
BIG_WHOLE_MODEL = regression(
    [field("k", "integer", values=("1", "9007199254740993")), field("i", "integer")],
    '<NumericPredictor name="i" coefficient="1"/><CategoricalPredictor name="k" value="1" coefficient="10"/>'
    '<CategoricalPredictor name="k" value="9007199254740993" coefficient="30"/>', output="")

# predicted_y = 1 + 2 x + 10 [c == "a"]: a model with a text input.
TEXT_MODEL = regression(
    [field("x"), field("c", "string", values=("a", "b"))],
    '<NumericPredictor name="x" coefficient="2"/><CategoricalPredictor name="c" value="a" coefficient="10"/>'
    '<CategoricalPredictor name="c" value="b" coefficient="0"/>', intercept="1")

# Fields other producers declare: an integer (continuous and categorical) and a boolean.
# predicted_y = i + 100 [b] + 1000 [k == 2]
TYPED_MODEL = regression(
    [field("i", "integer"), field("k", "integer", values=("1", "2")), field("b", "boolean")],
    '<NumericPredictor name="i" coefficient="1"/><CategoricalPredictor name="k" value="2" coefficient="1000"/>'
    '<CategoricalPredictor name="b" value="true" coefficient="100"/>')

# y = days since 1970 of a date input d, through a date function (as JPMML scores it: 18262 for 2020-01-01).
DATE_MODEL = regression(
    [field("d", "date")], '<NumericPredictor name="days" coefficient="1"/>', output="",
    transformations='<DerivedField name="days" optype="continuous" dataType="integer"><Apply '
                    'function="dateDaysSinceYear"><FieldRef field="d"/><Constant dataType="integer">1970</Constant>'
                    "</Apply></DerivedField>")

# predicted_y = twice = 2 * x (an Apply in a DerivedField): 1e308 overflows to infinity.
TWICE = regression(
    [field("x")], '<NumericPredictor name="twice" coefficient="1"/>',
    transformations='<DerivedField name="twice" optype="continuous" dataType="double"><Apply function="*">'
                    '<FieldRef field="x"/><Constant dataType="double">2</Constant></Apply></DerivedField>')
