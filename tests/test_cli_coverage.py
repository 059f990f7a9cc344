"""`pmmlkit coverage` and the names classes go by: one list, from the registry, with public names."""

from __future__ import annotations

import json

import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from pmmlkit import coverage
from pmmlkit.cli import main
from pmmlkit.names import public_name
from pmmlkit.registry import REGISTRY


class Local:
    pass


@pytest.mark.parametrize("thing, name", [
    (KNeighborsClassifier, "sklearn.neighbors.KNeighborsClassifier"),
    (HistGradientBoostingClassifier(), "sklearn.ensemble.HistGradientBoostingClassifier"),
    (Pipeline, "sklearn.pipeline.Pipeline"),
    (Local, f"{__name__}.Local"),
], ids=["private-module", "deep-private-module-instance", "public-module", "own-class"])
def test_public_name(thing: object, name: str) -> None:
    assert public_name(thing) == name


def test_coverage_json_lists_every_registered_class_by_its_public_name(capsys: pytest.CaptureFixture) -> None:
    assert main(["coverage", "--json"]) == 0
    listed = {f["framework"]: f for f in json.loads(capsys.readouterr().out)}
    assert {"sklearn", "spark"} <= set(listed)
    sklearn = listed["sklearn"]
    assert sklearn["title"] == "scikit-learn" and sklearn["installed"] is True
    registered = sorted(public_name(e.estimator) for e in REGISTRY.entries("sklearn"))
    assert sklearn["classes"] == registered
    assert "sklearn.ensemble.HistGradientBoostingClassifier" in sklearn["classes"]
    assert not [c for c in sklearn["classes"] if "._" in c], "private module paths in the listing"


def test_coverage_text_and_the_readme_table_come_from_the_same_list(capsys: pytest.CaptureFixture) -> None:
    assert main(["coverage"]) == 0
    out = capsys.readouterr().out
    table = coverage.table()
    for framework in coverage.supported():
        if not framework.installed:
            assert f"{framework.title}: not installed here" in out
            continue
        assert f"{framework.title} ({len(framework.classes)} classes)" in out
        for name in framework.classes:
            module, _, cls = name.rpartition(".")
            assert f"  {name}\n" in out
            assert f"| {framework.title} | `{module}` |" in table and f"`{cls}`" in table
