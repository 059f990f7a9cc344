"""Small hand-written PMML documents shared by tests."""

# y = 0.5 + 2 * x, with its output field declared.
LINEAR = """<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4">
  <Header/>
  <DataDictionary numberOfFields="2">
    <DataField name="y" optype="continuous" dataType="double"/>
    <DataField name="x" optype="continuous" dataType="double"/>
  </DataDictionary>
  <RegressionModel functionName="regression">
    <MiningSchema>
      <MiningField name="y" usageType="target"/>
      <MiningField name="x"/>
    </MiningSchema>
    <Output>
      <OutputField name="predicted_y" optype="continuous" dataType="double" feature="predictedValue"/>
    </Output>
    <RegressionTable intercept="0.5">
      <NumericPredictor name="x" coefficient="2"/>
    </RegressionTable>
  </RegressionModel>
</PMML>
"""

# k: a categorical integer field whose classes include a whole number beyond 2**53; i: continuous.
BIG_WHOLE_MODEL = """<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><Header/>
  <DataDictionary>
    <DataField name="y" optype="continuous" dataType="double"/>
    <DataField name="k" optype="categorical" dataType="integer"><Value value="1"/><Value value="9007199254740993"/>
    </DataField>
    <DataField name="i" optype="continuous" dataType="integer"/>
  </DataDictionary>
  <RegressionModel functionName="regression">
    <MiningSchema><MiningField name="y" usageType="target"/><MiningField name="k"/><MiningField name="i"/></MiningSchema>
    <RegressionTable intercept="0">
      <NumericPredictor name="i" coefficient="1"/>
      <CategoricalPredictor name="k" value="1" coefficient="10"/>
      <CategoricalPredictor name="k" value="9007199254740993" coefficient="30"/>
    </RegressionTable>
  </RegressionModel>
</PMML>
"""
