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
