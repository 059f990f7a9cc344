"""Hand-written PMML 4.4 documents for the models the native engine compiles beyond the converters'
output (tests/test_native_models.py): SupportVectorMachineModel, NearestNeighborModel, Cox
regression and MiningModels over ClusteringModels."""

from __future__ import annotations

import pandas as pd

HEAD = '<?xml version="1.0"?>\n<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>'

# -- SupportVectorMachineModel ---------------------------------------------------------------------
# Inputs x1, x2 (continuous) and c (categorical a/b: a CategoricalPredictor of the VectorFields).
_SVM_DICTIONARY = """<DataDictionary>
<DataField name="x1" optype="continuous" dataType="double"/>
<DataField name="x2" optype="continuous" dataType="double"/>
<DataField name="c" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
<DataField name="y" optype="{optype}" dataType="{data_type}">{values}</DataField>
</DataDictionary>"""
_VECTORS = """<VectorDictionary numberOfVectors="4"><VectorFields numberOfFields="3"><FieldRef field="x1"/>
<FieldRef field="x2"/><CategoricalPredictor name="c" value="a" coefficient="1"/></VectorFields>
<VectorInstance id="v1"><Array n="3" type="real">1.0 0.5 1</Array></VectorInstance>
<VectorInstance id="v2"><Array n="3" type="real">-0.5 2.0 0</Array></VectorInstance>
<VectorInstance id="v3"><REAL-SparseArray n="3"><Indices>2</Indices><REAL-Entries>-1.5</REAL-Entries></REAL-SparseArray>
</VectorInstance>
<VectorInstance id="v4"><Array n="3" type="real">0.25 -0.75 1</Array></VectorInstance>
</VectorDictionary>"""
KERNELS = {"linear": "<LinearKernelType/>", "poly": '<PolynomialKernelType gamma="0.5" coef0="1" degree="2"/>',
           "rbf": '<RadialBasisKernelType gamma="0.7"/>', "sigmoid": '<SigmoidKernelType gamma="0.3" coef0="-0.2"/>'}
_SVM_SCHEMA = ('<MiningSchema><MiningField name="x1"/><MiningField name="x2"/><MiningField name="c"/>'
               '<MiningField name="y" usageType="target"/></MiningSchema>')


def _machine(attributes: str, vectors: list[str], coefficients: list[float], intercept: float) -> str:
    support = "".join(f'<SupportVector vectorId="{v}"/>' for v in vectors)
    values = "".join(f'<Coefficient value="{c}"/>' for c in coefficients)
    return (f'<SupportVectorMachine {attributes}><SupportVectors numberOfAttributes="3" '
            f'numberOfSupportVectors="{len(vectors)}">{support}</SupportVectors><Coefficients '
            f'absoluteValue="{intercept}" numberOfCoefficients="{len(coefficients)}">{values}</Coefficients>'
            '</SupportVectorMachine>')


def _svm(function: str, kernel: str, machines: list[str], attributes: str = "") -> str:
    if function == "regression":
        dictionary = _SVM_DICTIONARY.format(optype="continuous", data_type="double", values="")
    else:
        dictionary = _SVM_DICTIONARY.format(optype="categorical", data_type="string",
                                            values='<Value value="p"/><Value value="q"/><Value value="r"/>')
    return (f'{HEAD}{dictionary}<SupportVectorMachineModel functionName="{function}" {attributes}>{_SVM_SCHEMA}'
            f'{KERNELS[kernel]}{_VECTORS}{"".join(machines)}</SupportVectorMachineModel></PMML>')


def svm_regression(kernel: str) -> str:
    return _svm("regression", kernel, [_machine("", ["v1", "v2", "v4"], [0.8, -1.2, 0.35], 0.1)])


def _three_machines(pairs: bool) -> list[str]:
    def attributes(target: str, alternate: str) -> str:
        return f'targetCategory="{target}"' + (f' alternateTargetCategory="{alternate}"' if pairs else "")
    return [_machine(attributes("p", "q"), ["v1", "v2"], [1.0, -0.6], 0.05),
            _machine(attributes("p" if pairs else "q", "r"), ["v2", "v3"], [0.7, -0.4], -0.1),
            _machine(attributes("q" if pairs else "r", "r"), ["v1", "v3", "v4"], [-0.5, 0.9, 0.2], 0.0)]


def svm_one_against_one(kernel: str, threshold: str = "0") -> str:
    return _svm("classification", kernel, _three_machines(True),
                f'classificationMethod="OneAgainstOne" threshold="{threshold}"')


def svm_one_against_all(kernel: str, max_wins: str = "false") -> str:
    return _svm("classification", kernel, _three_machines(False),
                f'classificationMethod="OneAgainstAll" maxWins="{max_wins}"')


def svm_binary(kernel: str) -> str:
    """One machine, its own threshold (0.2) overriding the model's."""
    return _svm("classification", kernel,
                [_machine('targetCategory="p" alternateTargetCategory="q" threshold="0.2"', ["v1", "v2", "v3"],
                          [1.0, -0.6, 0.3], 0.05)], 'classificationMethod="OneAgainstOne"')


def svm_alternate_binary() -> str:
    """PMML 4.4.1's alternateBinaryTargetCategory (LibSVM-style binary documents): the value rounded
    is 1 for targetCategory, 0 for the alternate."""
    return _svm("classification", "linear", [_machine('targetCategory="p"', ["v1", "v2", "v4"], [0.4, -0.3, 0.35], 0.5)],
                'classificationMethod="OneAgainstOne" alternateBinaryTargetCategory="q"')


def svm_coefficients() -> str:
    """The Coefficients representation: one coefficient per VectorField (a linear kernel)."""
    machine = ('<SupportVectorMachine><Coefficients absoluteValue="0.3"><Coefficient value="1.5"/>'
               '<Coefficient value="-2"/><Coefficient value="0.25"/></Coefficients></SupportVectorMachine>')
    return _svm("regression", "linear", [machine], 'svmRepresentation="Coefficients"')


# Boundary, invalid (c="zz": returnInvalid), missing and unknown values.
SVM_ROWS = pd.DataFrame({"x1": [0.0, 1.0, -0.5, 2.5, None, 0.3, 0.25, 1.5, 2.0, 1.0],
                         "x2": [0.0, 0.5, 1.0, -1.0, 0.2, None, -0.75, 1.5, 3.0, 0.5],
                         "c": ["a", "b", "zz", "a", "a", "b", None, "a", "b", "a"]})

# -- NearestNeighborModel --------------------------------------------------------------------------
_INSTANCES = [(1.0, 2.0, "a", 10.0, "p", "id1"), (2.0, 1.0, "b", 20.0, "q", "id2"), (0.0, 0.0, "a", 5.0, "p", "id3"),
              (3.0, 3.0, "b", 40.0, "r", "id4"), (1.0, 2.0, "b", 12.0, "q", "id5"), (-1.0, 1.0, "a", 7.0, "r", "id6"),
              (2.0, 1.0, "a", 25.0, "q", "id7")]
KNN_TWO_INPUTS = '<KNNInput field="x1"/><KNNInput field="x2" fieldWeight="0.5"/>'
KNN_MIXED_INPUTS = KNN_TWO_INPUTS + '<KNNInput field="c" compareFunction="delta" fieldWeight="2"/>'
_KNN_OUTPUT = """<Output><OutputField name="pred" optype="{optype}" dataType="{data_type}" feature="predictedValue"/>
<OutputField name="n1" optype="categorical" dataType="string" feature="entityId" rank="1"/>
<OutputField name="n2" optype="categorical" dataType="string" feature="entityId" rank="2"/>
<OutputField name="d1" optype="continuous" dataType="double" feature="affinity" rank="1"/>
<OutputField name="d3" optype="continuous" dataType="double" feature="affinity" rank="3"/></Output>"""


def nearest_neighbors(function: str, k: int, measure: str = "<euclidean/>", method: str = "",
                      inputs: str = KNN_TWO_INPUTS) -> str:
    numeric = function == "regression"
    target = "t" if numeric else "label"
    rows = "".join(f"<row><x1>{a}</x1><x2>{b}</x2><c>{c}</c><t>{t}</t><label>{label}</label><id>{i}</id></row>"
                   for a, b, c, t, label, i in _INSTANCES)
    output = _KNN_OUTPUT.format(optype="continuous" if numeric else "categorical",
                                data_type="double" if numeric else "string")
    return f"""{HEAD}<DataDictionary>
<DataField name="x1" optype="continuous" dataType="double"/>
<DataField name="x2" optype="continuous" dataType="double"/>
<DataField name="c" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/></DataField>
<DataField name="{target}" optype="{'continuous' if numeric else 'categorical'}" dataType="{'double' if numeric else 'string'}"/>
<DataField name="id" optype="categorical" dataType="string"/>
</DataDictionary>
<NearestNeighborModel functionName="{function}" numberOfNeighbors="{k}" instanceIdVariable="id" {method}>
<MiningSchema><MiningField name="x1"/><MiningField name="x2"/><MiningField name="c"/>
<MiningField name="{target}" usageType="target"/></MiningSchema>
{output}
<TrainingInstances><InstanceFields><InstanceField field="x1" column="x1"/><InstanceField field="x2" column="x2"/>
<InstanceField field="c" column="c"/><InstanceField field="{target}" column="{target}"/>
<InstanceField field="id" column="id"/></InstanceFields>
<InlineTable>{rows}</InlineTable></TrainingInstances>
<ComparisonMeasure kind="distance">{measure}</ComparisonMeasure>
<KNNInputs>{inputs}</KNNInputs>
</NearestNeighborModel></PMML>"""


# Rows 4 and 5 miss one input, row 6 the category, row 9 misses both numbers; row 2's category is invalid.
KNN_ROWS = pd.DataFrame({"x1": [0.0, 1.0, -0.5, 2.5, None, 0.3, 0.25, 1.5, 2.0, None],
                         "x2": [0.0, 0.5, 1.0, -1.0, 0.2, None, -0.75, 1.5, 3.0, None],
                         "c": ["a", "b", "zz", "a", "a", "b", None, "a", "b", "a"]})

# -- Cox regression --------------------------------------------------------------------------------
COX_BASELINE = [(1.0, 0.05), (6.0, 0.45), (3.0, 0.2), (9.0, 0.9)]  # (time, cumHazard), written unsorted
COX_STRATA = {"a": (10.0, [(1.0, 0.05), (3.0, 0.2), (6.0, 0.45), (9.0, 0.9)]),
              "b": (8.0, [(2.0, 0.1), (5.0, 0.3), (7.0, 0.6)])}
# (parameter, predictor, PPCell value, beta, referencePoint)
COX_TERMS = [("p1", "age", "1", 0.03, 50.0), ("p2", "sex", "m", -0.4, 0.5), ("p3", "age", "2", 0.0002, 0.0)]


def cox(strata: bool) -> str:
    if strata:
        tables = "<BaseCumHazardTables>" + "".join(
            f'<BaselineStratum value="{value}" maxTime="{max_time}">' +
            "".join(f'<BaselineCell time="{t}" cumHazard="{h}"/>' for t, h in cells) + "</BaselineStratum>"
            for value, (max_time, cells) in COX_STRATA.items()) + "</BaseCumHazardTables>"
    else:
        tables = '<BaseCumHazardTables maxTime="10">' + "".join(
            f'<BaselineCell time="{t}" cumHazard="{h}"/>' for t, h in COX_BASELINE) + "</BaseCumHazardTables>"
    parameters = "".join(f'<Parameter name="{p}" referencePoint="{ref}"/>' for p, _, _, _, ref in COX_TERMS)
    cells = "".join(f'<PPCell value="{v}" predictorName="{x}" parameterName="{p}"/>' for p, x, v, _, _ in COX_TERMS)
    betas = "".join(f'<PCell parameterName="{p}" beta="{b}"/>' for p, _, _, b, _ in COX_TERMS)
    return f"""{HEAD}<DataDictionary>
<DataField name="age" optype="continuous" dataType="double"/>
<DataField name="sex" optype="categorical" dataType="string"><Value value="f"/><Value value="m"/></DataField>
<DataField name="g" optype="categorical" dataType="string"><Value value="a"/><Value value="b"/><Value value="c"/></DataField>
<DataField name="time" optype="continuous" dataType="double"/>
<DataField name="risk" optype="continuous" dataType="double"/>
</DataDictionary>
<GeneralRegressionModel modelType="CoxRegression" functionName="regression" endTimeVariable="time"
 {'baselineStrataVariable="g"' if strata else ''}>
<MiningSchema><MiningField name="age"/><MiningField name="sex"/><MiningField name="g"/><MiningField name="time"/>
<MiningField name="risk" usageType="target"/></MiningSchema>
<Output><OutputField name="hazard" optype="continuous" dataType="double" feature="predictedValue"/>
<OutputField name="survival" optype="continuous" dataType="double" feature="transformedValue"><Apply function="exp">
<Apply function="*"><Constant dataType="double">-1</Constant><FieldRef field="hazard"/></Apply></Apply></OutputField>
</Output>
<ParameterList>{parameters}</ParameterList>
<FactorList><Predictor name="sex"/></FactorList><CovariateList><Predictor name="age"/></CovariateList>
<PPMatrix>{cells}</PPMatrix><ParamMatrix>{betas}</ParamMatrix>
{tables}
</GeneralRegressionModel></PMML>"""


# Times before the first cell (0.5, also with a missing predictor), on a cell (3, 6, 9), between cells,
# above maxTime (10.5; 8.5 in stratum b), a stratum without a table (c), missing values.
COX_ROWS = pd.DataFrame({"age": [50, 60, 40, None, 55, 70, 45, 52, 30, None, 61, 44],
                         "sex": ["m", "f", "m", "f", None, "m", "f", "f", "m", "m", "f", "m"],
                         "g": ["a", "b", "a", "b", "a", "c", None, "b", "a", "a", "a", "b"],
                         "time": [0.5, 2, 3, 5, 6.5, 9, 4, 8.5, 10, 0.5, 10.5, None]})

# -- MiningModel over ClusteringModels -------------------------------------------------------------
CLUSTER_CENTERS = ([("A", (0.0, 0.0)), ("B", (3.0, 3.0)), ("C", (0.0, 4.0))],
                   [("B", (2.5, 2.5)), ("A", (0.5, -0.5)), ("C", (-1.0, 3.0))],
                   [("C", (1.0, 1.0)), ("A", (-2.0, -2.0)), ("B", (4.0, 4.0))])
ALWAYS = ("<True/>", "<True/>", "<True/>")
SOMETIMES = ('<SimplePredicate field="x1" operator="greaterThan" value="1"/>',
             '<SimplePredicate field="x2" operator="lessThan" value="2"/>', "<True/>")


def _clustering(centers: list[tuple[str, tuple[float, float]]]) -> str:
    clusters = "".join(f'<Cluster id="{c}"><Array n="2" type="real">{a} {b}</Array></Cluster>' for c, (a, b) in centers)
    return (f'<ClusteringModel functionName="clustering" modelClass="centerBased" numberOfClusters="{len(centers)}">'
            '<MiningSchema><MiningField name="x1"/><MiningField name="x2"/></MiningSchema>'
            '<ComparisonMeasure kind="distance"><squaredEuclidean/></ComparisonMeasure>'
            f'<ClusteringField field="x1"/><ClusteringField field="x2"/>{clusters}</ClusteringModel>')


def cluster_ensemble(method: str, predicates: tuple[str, ...] = ALWAYS, weights: tuple[float, ...] = (1, 1, 1)) -> str:
    segments = "".join(f'<Segment id="s{i}" weight="{w}">{p}{_clustering(c)}</Segment>'
                       for i, (p, w, c) in enumerate(zip(predicates, weights, CLUSTER_CENTERS), 1))
    return f"""{HEAD}<DataDictionary>
<DataField name="x1" optype="continuous" dataType="double"/>
<DataField name="x2" optype="continuous" dataType="double"/>
</DataDictionary>
<MiningModel functionName="clustering">
<MiningSchema><MiningField name="x1"/><MiningField name="x2"/></MiningSchema>
<Output><OutputField name="cluster" optype="categorical" dataType="string" feature="predictedValue"/>
<OutputField name="id" optype="categorical" dataType="string" feature="entityId"/></Output>
<Segmentation multipleModelMethod="{method}">{segments}</Segmentation></MiningModel></PMML>"""


CLUSTER_ROWS = pd.DataFrame({"x1": [0.0, 1.0, -0.5, 2.5, None, 0.3, 0.25, 1.5, 2.0, None, 1.25],
                             "x2": [0.0, 0.5, 1.0, -1.0, 0.2, None, -0.75, 1.5, 3.0, None, 1.25]})
