"""The committed JVM bridge jar matches its Java source, and it scores."""

from __future__ import annotations

import shutil
import zipfile

import numpy as np
import pandas as pd
import pytest
from documents import LINEAR

import pmmlkit
from pmmlkit.scoring import bridge_build as jvm_build
from pmmlkit.scoring.jvm import BRIDGE_JAR


def _javac_or_skip() -> int:
    if shutil.which("javac") is None:
        pytest.skip("no javac on this machine (a JRE only): the committed jar cannot be rebuilt here")
    major = jvm_build.javac_major()
    built_with = jvm_build.jar_jdk(BRIDGE_JAR)
    if built_with is not None and built_with != major:
        pytest.skip(f"the committed jar was built with JDK {built_with}, this javac is {major}: "
                    "class files from different JDKs may differ byte for byte")
    return major


def test_committed_jar_matches_source():
    _javac_or_skip()
    compiled = jvm_build.compile_classes()
    committed = jvm_build.jar_classes(BRIDGE_JAR)
    assert sorted(compiled) == sorted(committed)
    stale = [name for name in compiled if compiled[name] != committed[name]]
    assert not stale, f"{stale} differ from pmmlkit/scoring/bridge/src: run `make jar` and commit the jar"


def test_jar_build_is_reproducible(tmp_path):
    major = _javac_or_skip()
    classes = jvm_build.compile_classes()
    first = jvm_build.write_jar(classes, tmp_path / "a.jar", major)
    second = jvm_build.write_jar(jvm_build.compile_classes(), tmp_path / "b.jar", major)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as jar:
        assert jar.namelist()[:2] == ["META-INF/", "META-INF/MANIFEST.MF"]
        assert {info.date_time for info in jar.infolist()} == {jvm_build.FIXED_TIME}


def test_bridge_scores_a_tiny_model():
    model = pmmlkit.load(LINEAR)
    frame = pd.DataFrame({"x": [0.0, 1.5, np.nan, -2.0]})
    result = model.predict(frame)
    assert list(result.columns) == ["predicted_y"]
    expected = [0.5, 3.5, np.nan, -3.5]
    np.testing.assert_array_equal(result["predicted_y"].to_numpy(), expected)
    assert model.predict({"x": 1.0}) == {"predicted_y": 2.5}


def test_bridge_scores_in_parallel_chunks():
    # Above 2048 rows per thread the bridge splits the frame across threads, one model each.
    model = pmmlkit.load(LINEAR, threads=2)
    x = np.arange(10_000, dtype=np.float64) / 7
    result = model.predict(pd.DataFrame({"x": x}))
    np.testing.assert_array_equal(result["predicted_y"].to_numpy(), 0.5 + 2 * x)
