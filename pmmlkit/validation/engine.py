"""The engine rules: what pmmlkit's engine (PMML4S) cannot score, though PMML defines it.

``pmmlkit.load`` refuses such a document (the engine fails to load it, or loads it and scores every
record null or not at all); ``validate`` says so with the blocking ``unsupported`` rule, so that the
two agree (tests/test_gate_differential.py). Each entry was found by that differential test.
"""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import child, children, local

# Model types PMML4S does not score: refused on load ("not supported by PMML4S"), or, for
# AssociationModel, loaded with no output it can compute.
UNSUPPORTED_MODELS = frozenset({"AssociationModel", "BaselineModel", "BayesianNetworkModel", "GaussianProcessModel",
                                "SequenceModel", "TextModel", "TimeSeriesModel"})
# GeneralRegressionModel types PMML4S loads but scores as null.
UNSUPPORTED_REGRESSION_TYPES = frozenset({"CoxRegression"})
# The distributions a NaiveBayes BayesInput's TargetValueStat may have on PMML4S.
NAIVE_BAYES_DISTRIBUTIONS = frozenset({"GaussianDistribution", "PoissonDistribution"})
# PMML 3's embedded models (a model's body written inside a MiningModel, beside or instead of a
# Segmentation): PMML4S fails on them ("an implementation is missing").
EMBEDDED_MODELS = frozenset({"Regression", "DecisionTree"})


class EngineRules(CheckerBase):
    def _unsupported(self, node: etree._Element, what: str) -> None:
        self.error("unsupported", f"{what} is valid PMML that pmmlkit's engine cannot score: load refuses it", node)

    def _unsupported_model(self, model: etree._Element) -> None:
        """What the engine cannot score in the model it scores: the document's first top-level model
        and the models inside it (it ignores later ones)."""
        tag = local(model) or ""
        top = local(model.getparent()) == "PMML"
        scored = self.top_models == 0
        if top:
            self.top_models += 1
        if not scored:
            return
        if tag in UNSUPPORTED_MODELS:
            self._unsupported(model, f"<{tag}>")
        elif tag == "GeneralRegressionModel" and model.get("modelType") in UNSUPPORTED_REGRESSION_TYPES:
            self._unsupported(model, f"<GeneralRegressionModel modelType=\"{model.get('modelType')}\">")
        elif tag == "MiningModel":
            embedded = next((c for c in model if local(c) in EMBEDDED_MODELS), None)
            if embedded is not None:
                self._unsupported(embedded, f"an embedded <{local(embedded)}> model inside a <MiningModel>")
        elif tag == "NaiveBayesModel" and not _has_target(model):
            self._unsupported(model, "a <NaiveBayesModel> without a target field")
        elif tag == "NaiveBayesModel":
            inputs = child(model, "BayesInputs")
            for item in children(inputs, "BayesInput") if inputs is not None else []:
                for stats in children(item, "TargetValueStats"):
                    for stat in children(stats, "TargetValueStat"):
                        kind = next((local(c) for c in stat if local(c) not in (None, "Extension")), None)
                        if kind is not None and kind not in NAIVE_BAYES_DISTRIBUTIONS:
                            self._unsupported(stat, f"a <{kind}> in a NaiveBayes BayesInput (PMML4S takes Gaussian "
                                              "and Poisson distributions)")
                            return


def _has_target(model: etree._Element) -> bool:
    schema = child(model, "MiningSchema")
    return schema is not None and any(item.get("usageType") in ("target", "predicted")
                                      for item in children(schema, "MiningField"))

