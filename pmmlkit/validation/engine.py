"""The engine rules: what pmmlkit's engine (PMML4S) cannot score, though PMML defines it.

``pmmlkit.load`` refuses such a document (the engine fails to load it, or loads it and scores every
record null or not at all); ``validate`` says so with the blocking ``unsupported`` rule, so that the
two agree (tests/test_gate_differential.py). Each entry was found by that differential test.
"""

from __future__ import annotations

import math

from lxml import etree

from .base import CheckerBase
from .elements import ARRAY_ITEM, child, children, local
from .vocabulary import number

# Model types PMML4S does not score: refused on load ("not supported by PMML4S"), or, for
# AssociationModel, loaded with no output it can compute.
UNSUPPORTED_MODELS = frozenset({"AssociationModel", "BaselineModel", "BayesianNetworkModel", "GaussianProcessModel",
                                "SequenceModel", "TextModel", "TimeSeriesModel"})
# GeneralRegressionModel types PMML4S loads but scores as null.
UNSUPPORTED_REGRESSION_TYPES = frozenset({"CoxRegression"})
# GeneralRegressionModel types whose link function PMML4S needs written out (the attribute).
LINKED_REGRESSION_TYPES = {"generalizedLinear": "linkFunction", "ordinalMultinomial": "cumulativeLink"}
# GeneralRegressionModel types that classify: PMML4S scores them null as a regression.
CLASSIFYING_REGRESSION_TYPES = frozenset({"multinomialLogistic", "ordinalMultinomial"})
# The distributions a NaiveBayes BayesInput's TargetValueStat may have on PMML4S.
NAIVE_BAYES_DISTRIBUTIONS = frozenset({"GaussianDistribution", "PoissonDistribution"})
# PMML 3's embedded models (a model's body written inside a MiningModel, beside or instead of a
# Segmentation, or inside a tree Node): PMML4S fails on them ("an implementation is missing") or
# scores them null.
EMBEDDED_MODELS = frozenset({"Regression", "DecisionTree"})
# Parts of a model the engine does not read (a Matrix there is only described, never used).
DESCRIPTIVE = frozenset({"ModelStats", "ModelExplanation", "ModelVerification", "Extension"})
# Model types PMML4S cannot load (or scores null) without a target field in the MiningSchema.
# normalizationMethods PMML4S does not apply to a regression RegressionModel (every score null).
NULL_REGRESSION_NORMALIZATIONS = frozenset({"simplemax", "loglog"})
# normalizationMethods PMML4S applies to a classification RegressionModel of two classes only.
BINARY_NORMALIZATIONS = frozenset({"logit", "probit", "cloglog", "loglog", "cauchit"})
# compareFunctions PMML4S does not implement (every record fails).
UNIMPLEMENTED_COMPARISONS = frozenset({"table"})
TARGET_NEEDED = frozenset({"GeneralRegressionModel", "SupportVectorMachineModel", "NeuralNetwork"})


class EngineRules(CheckerBase):
    def _unsupported(self, node: etree._Element, what: str) -> None:
        self.error("unsupported", f"{what} is valid PMML that pmmlkit's engine cannot score: load refuses it", node)

    def _undeclared_target(self, model: etree._Element) -> bool:
        """Whether the model's target is a DataField that lists no valid <Value>s."""
        names = _target_names(model)
        declared = self.fields.get(names[0]) if names and names[0] is not None else None
        return declared is not None and declared.kind == "DataField" and not declared.values

    def _cluster_structure(self, model: etree._Element) -> bool:
        """A ClusteringModel's parts fit together (True when a fault was reported): PMML4S reads
        numberOfClusters as a 32-bit count of the Clusters, one centre value per ClusteringField."""
        clusters = children(model, "Cluster")
        fields = [f.get("field") for f in children(model, "ClusteringField")]
        count = model.get("numberOfClusters")
        fault: tuple[etree._Element, str] | None = None
        if count is not None and count.strip() != str(len(clusters)):
            fault = model, f"numberOfClusters=\"{count}\" but {len(clusters)} Clusters are listed"
        elif len(set(fields)) != len(fields):
            fault = model, "a ClusteringField names a field twice"
        else:
            for cluster in clusters:
                array = child(cluster, "Array")
                values = ARRAY_ITEM.findall(array.text or "") if array is not None else []
                if any(number(v) is None or not math.isfinite(number(v) or 0.0) for v in values):
                    fault = cluster, (f"Cluster {cluster.get('id') or cluster.get('name')!r} has a centre value that "
                                      "is not a finite number")
                    break
                if array is not None and fields and len(values) != len(fields):
                    fault = cluster, (f"Cluster {cluster.get('id') or cluster.get('name')!r} has {len(values)} centre "
                                      f"values for {len(fields)} ClusteringFields")
                    break
        if fault is not None:
            self.error("cluster-structure", fault[1], fault[0])
            return True
        holder = model.getparent()
        if holder is not None and local(holder) == "AnomalyDetectionModel":
            distances = child(holder, "MeanClusterDistances")
            array = child(distances, "Array") if distances is not None else None
            if array is None or array.get("type") != "real":
                self.error("cluster-structure", "an AnomalyDetectionModel over clusters needs MeanClusterDistances "
                           "as a real <Array> (one distance per Cluster)", distances if distances is not None else holder)
                return True
            listed = len(ARRAY_ITEM.findall(array.text or ""))
            if listed < len(clusters):  # PMML4S looks a Cluster's distance up by its position
                self.error("cluster-structure", f"MeanClusterDistances lists {listed} distances for {len(clusters)} "
                           "Clusters: the engine fails on records nearest a Cluster without one (give one distance "
                           "per Cluster)", array)
                return True
        return False

    def _unsupported_model(self, model: etree._Element) -> None:
        """What the engine cannot score in the model it scores: the document's first top-level model
        and the models inside it (it ignores later ones)."""
        tag = local(model) or ""
        top = local(model.getparent()) == "PMML"
        scored = self.top_models == 0
        self.model_scored = scored
        if top:
            self.top_models += 1
        if not scored:
            return
        cell = next((c for c in model.iter("{*}MatCell") if not any(local(a) in DESCRIPTIVE for a in c.iterancestors())),
                    None)
        if cell is not None:
            self._unsupported(cell, "a <Matrix> written as <MatCell> entries (PMML4S misreads their 1-based row and "
                              "col: write the matrix as one <Array> per row)")
            return
        targets = child(model, "Targets")
        unnamed = next((t for t in children(targets, "Target") if t.get("field") is None), None) \
            if targets is not None else None
        if unnamed is not None:
            self._unsupported(unnamed, "a <Target> without a field attribute (PMML4S looks up the field \"\" and fails "
                              "to load: name the target field)")
            return
        if tag == "TreeModel":
            # PMML4S ignores a Node's embedded model and takes the Node's score: without one, null.
            embedded = next((e for e in model.iter(*(f"{{*}}{t}" for t in EMBEDDED_MODELS))
                             if e.getparent().get("score") is None), None)
            if embedded is not None:
                self._unsupported(embedded, f"an embedded <{local(embedded)}> model inside a tree <Node> without a "
                                  "score (PMML4S ignores the model and scores every record reaching it null: give the "
                                  "Node a score)")
                return
        compared = next((c for c in model.iter("{*}ComparisonMeasure", "{*}ClusteringField", "{*}KNNInput")
                         if c.get("compareFunction") in UNIMPLEMENTED_COMPARISONS), None)
        if compared is not None:
            self._unsupported(compared, f"compareFunction=\"{compared.get('compareFunction')}\" (PMML4S does not "
                              "implement it: every record fails)")
            return
        if tag == "ClusteringModel":
            for cluster in children(model, "Cluster"):
                array = child(cluster, "Array")
                if array is None:  # a distributionBased model's too: PMML4S reads every cluster's Array
                    self._unsupported(cluster, "a <Cluster> without its centre <Array> (PMML4S fails on every record: "
                                      "give each cluster its centre)")
                    return
                if array.get("type") != "real":
                    self._unsupported(array, f"a <Cluster> centre written as a type=\"{array.get('type')}\" <Array> "
                                      "(PMML4S reads centres as real numbers and fails: write type=\"real\")")
                    return
            if self._cluster_structure(model):
                return
            compared = next((f for f in children(model, "ClusteringField") if child(f, "Comparisons") is not None), None)
            if compared is not None:
                self._unsupported(compared, "a <ClusteringField> with a <Comparisons> matrix (PMML4S scores every record "
                                  "null)")
                return
        if local(model.getparent()) == "AnomalyDetectionModel" and tag != "ClusteringModel" and not _has_target(model):
            # Checked when the inner model ends: streaming may free its MiningSchema before the outer one ends.
            self._unsupported(model, f"an <AnomalyDetectionModel> whose inner <{tag}> has no target field (PMML4S "
                              "needs one: declare the score field usageType=\"target\" in its MiningSchema)")
        elif tag in UNSUPPORTED_MODELS:
            self._unsupported(model, f"<{tag}>")
        elif tag == "GeneralRegressionModel" and model.get("modelType") in UNSUPPORTED_REGRESSION_TYPES:
            self._unsupported(model, f"<GeneralRegressionModel modelType=\"{model.get('modelType')}\">")
        elif tag == "GeneralRegressionModel" and model.get("modelType") in LINKED_REGRESSION_TYPES and \
                model.get(LINKED_REGRESSION_TYPES[model.get("modelType") or ""]) is None:
            kind = model.get("modelType") or ""
            self._unsupported(model, f"<GeneralRegressionModel modelType=\"{kind}\"> without a "
                              f"{LINKED_REGRESSION_TYPES[kind]} (PMML4S fails on every record: name the link function)")
        elif tag == "GeneralRegressionModel" and model.get("modelType") in CLASSIFYING_REGRESSION_TYPES and \
                model.get("functionName") == "regression":
            self._unsupported(model, f"<GeneralRegressionModel modelType=\"{model.get('modelType')}\"> with "
                              "functionName=\"regression\" (PMML4S scores every record null: it classifies)")
        elif tag == "RegressionModel" and model.get("functionName") == "regression" and \
                model.get("normalizationMethod") in NULL_REGRESSION_NORMALIZATIONS:
            self._unsupported(model, f"a regression <RegressionModel> with normalizationMethod="
                              f"\"{model.get('normalizationMethod')}\" (PMML4S scores every record null)")
        elif tag == "RegressionModel" and model.get("functionName") == "classification" and (
                model.get("normalizationMethod") == "exp" or (model.get("normalizationMethod") in BINARY_NORMALIZATIONS
                                                              and len(children(model, "RegressionTable")) > 2)):
            self._unsupported(model, f"a classification <RegressionModel> with normalizationMethod="
                              f"\"{model.get('normalizationMethod')}\" and {len(children(model, 'RegressionTable'))} "
                              "RegressionTables (PMML4S scores every record null: exp is a regression's, logit, probit, "
                              "cloglog, loglog and cauchit a binary classification's; use softmax)")
        elif tag == "RegressionModel" and model.get("functionName") == "classification" and \
                model.get("normalizationMethod") in BINARY_NORMALIZATIONS and self._undeclared_target(model):
            self._unsupported(model, f"a binary classification <RegressionModel> with normalizationMethod="
                              f"\"{model.get('normalizationMethod')}\" whose target DataField lists no categories "
                              "(PMML4S scores every record null: list them as <Value> elements of the target's "
                              "DataField, or score it with engine='native')")
        elif tag == "MiningModel":
            embedded = next((c for c in model if local(c) in EMBEDDED_MODELS), None)
            segmentation = child(model, "Segmentation")
            method = segmentation.get("multipleModelMethod") if segmentation is not None else None
            if embedded is not None:
                self._unsupported(embedded, f"an embedded <{local(embedded)}> model inside a <MiningModel>")
            elif method not in (None, "modelChain") and model.get("functionName") != "clustering" and \
                    not _has_target(model) and not _chained(model):
                self._unsupported(model, f"a <MiningModel> without a target field that combines its segments "
                                  f"(multipleModelMethod=\"{method}\"; PMML4S fails to load it: mark the predicted "
                                  "field usageType=\"target\" in its MiningSchema)")
        elif top and tag in TARGET_NEEDED and not _has_target(model):
            self._unsupported(model, f"a <{tag}> without a target field (PMML4S fails to load it: mark the predicted "
                              "field usageType=\"target\" in its MiningSchema)")
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


def _chained(model: etree._Element) -> bool:
    """Whether ``model`` is a segment of a modelChain: PMML4S passes its OutputFields on and needs no
    target there (a boosted ensemble's inner sum of trees, as pmmlkit's converters write it)."""
    segmentation = model.getparent().getparent() if model.getparent() is not None else None
    return segmentation is not None and local(segmentation) == "Segmentation" and \
        segmentation.get("multipleModelMethod") == "modelChain"


def _target_names(model: etree._Element) -> list[str | None]:
    """The names of the model's MiningFields with usageType target (or predicted), in order."""
    schema = child(model, "MiningSchema")
    return [item.get("name") for item in (children(schema, "MiningField") if schema is not None else [])
            if item.get("usageType") in ("target", "predicted")]


def _has_target(model: etree._Element) -> bool:
    return bool(_target_names(model))

