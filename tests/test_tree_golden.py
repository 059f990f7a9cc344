"""Tree converters write the same bytes as before the bulk writer: small fitted trees and
ensembles, read from their stored fitted state (golden_cases.py), are converted and compared
with documents committed in tests/golden/trees/.

``python tests/golden/generate.py --only trees/`` rewrites the files (only when a change of
output is intended and explained); nothing is fitted here (the fixture ``no_fitting`` fails any fit)."""

from __future__ import annotations

import pytest
from golden_cases import GOLDEN, TREE_CASES, render_tree, tree_document
from lxml import etree
from test_golden import no_fitting  # noqa: F401 - the fixture


@pytest.mark.parametrize("name", sorted(TREE_CASES))
def test_tree_documents_are_byte_identical(name: str, no_fitting: None) -> None:  # noqa: F811
    assert render_tree(name) == (GOLDEN / "trees" / f"{name}.pmml").read_bytes(), (
        f"the PMML of tree case {name} changed; if on purpose, run tests/golden/generate.py --only trees/ "
        "and say why")


@pytest.mark.parametrize("name", ["decision-tree-classifier-nan", "hist-gradient-boosting-classifier",
                                  "gradient-boosting-classifier"])
def test_expanded_document_writes_the_same_bytes(name: str, no_fitting: None) -> None:  # noqa: F811
    """Asking for the DOM turns the trees into elements; lxml then writes what the bulk writer wrote."""
    document = tree_document(name)
    streamed = document.to_bytes()
    assert document.root.xpath("//*[@pmmlkitTreeBody]") == []
    assert etree.tostring(document.root, xml_declaration=True, encoding="UTF-8", pretty_print=True) == streamed
    assert document.to_bytes() == streamed
