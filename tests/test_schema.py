"""The project's PMML 4.4 schema (schemas/pmml-4-4.xsd) says what the standard says.

Differential (needs the DMG's official schema beside the checkout, ../shared/oracle, as a test
oracle; skipped where it is absent): every corpus document, and every systematic mutation of it
(see schema_mutations.py), gets the same verdict from the project schema as from the oracle.

Standalone (runs in a fresh clone): the corpus's documents get the verdict the standard gives
them from the project schema alone: valid ones pass, known-bad ones fail with a message that
names the fault.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
from harness import oracle_schema
from lxml import etree
from pmmlkit.schemas import PMML_4_4, xml_schema
from schema_corpus import CorpusDocument, compact, converted, files, rules
from schema_mutations import Mutation, enumerations, first_error, mutations

HAND_WRITTEN = files() + rules()
ALL = HAND_WRITTEN + converted()


@pytest.fixture(scope="module")
def oracle() -> etree.XMLSchema:
    """The DMG's official PMML 4.4.1 schema; skips, saying so, where it is not beside the checkout."""
    return oracle_schema("pmml-4-4-1.xsd")


@functools.cache
def _enumerated() -> dict[str, tuple[str, ...]]:
    return enumerations(etree.parse(str(PMML_4_4)))


def _document_and_mutations(tree: etree._ElementTree) -> Iterator[Mutation]:
    yield Mutation("original", tree)
    yield from mutations(tree, _enumerated())


def _disagreements(project: etree.XMLSchema, oracle: etree.XMLSchema, tree: etree._ElementTree,
                   name: str) -> tuple[int, list[str]]:
    """How many documents were compared (the document and its mutations), and a line for each
    verdict the two schemas gave differently."""
    total = 0
    different = []
    for mutation in _document_and_mutations(tree):
        total += 1
        ours = project.validate(mutation.tree)
        ours_error = first_error(project)
        theirs = oracle.validate(mutation.tree)
        if ours != theirs:
            error = first_error(oracle) if not theirs else ours_error
            different.append(f"{name} / {mutation.name}: project says {'valid' if ours else 'invalid'}, "
                             f"the standard {'valid' if theirs else 'invalid'} ({error})")
    return total, different


@pytest.mark.parametrize("document", ALL, ids=lambda d: d.name)
def test_project_schema_agrees_with_the_standard_on_the_document_and_its_mutations(document: CorpusDocument,
                                                                                  oracle: etree.XMLSchema):
    tree = document.load()
    if document.large:
        assert xml_schema().validate(tree) == oracle.validate(tree)
        tree = compact(tree)
    total, different = _disagreements(xml_schema(), oracle, tree, document.name)
    assert total > 1
    assert not different, f"{len(different)} of {total} verdicts differ:\n" + "\n".join(different[:20])


@pytest.mark.parametrize("document", HAND_WRITTEN, ids=lambda d: d.name)
def test_the_oracle_gives_the_corpus_verdict(document: CorpusDocument, oracle: etree.XMLSchema):
    """The corpus's expected verdicts are the standard's: checked here once, against the oracle."""
    assert oracle.validate(document.load()) == document.valid, first_error(oracle)


@pytest.mark.parametrize("document", ALL, ids=lambda d: d.name)
def test_project_schema_gives_the_standard_verdict(document: CorpusDocument):
    schema = xml_schema()
    valid = schema.validate(document.load())
    assert valid == document.valid, (f"{document.name}: expected {'valid' if document.valid else 'invalid'}, "
                                     f"got {first_error(schema)}")
    if not valid:
        error = first_error(schema)
        assert error.startswith("line ") and ("Element" in error or "element" in error), error


def test_corpus_covers_every_model_type_the_project_schema_defines():
    defined = {"RegressionModel", "GeneralRegressionModel", "TreeModel", "MiningModel", "NeuralNetwork",
               "SupportVectorMachineModel", "NaiveBayesModel", "ClusteringModel"}
    present = {etree.QName(e).localname for d in files() if d.valid for e in d.load().iter(etree.Element)}
    assert defined <= present, f"no valid corpus document for {sorted(defined - present)}"
    expressions = {"Constant", "FieldRef", "NormContinuous", "NormDiscrete", "Discretize", "MapValues", "TextIndex",
                   "Apply", "Aggregate", "Lag", "DefineFunction", "TransformationDictionary", "LocalTransformations"}
    assert expressions <= present, f"no valid corpus document uses {sorted(expressions - present)}"
