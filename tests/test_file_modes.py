"""Files pmmlkit writes get the usual permissions (0666 less the umask; an overwritten file keeps
its mode), so a service running as another user can read them; a write killed half-way leaves
no temporary file behind once the next write to the same path has run."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from pmmlkit.document import atomic_writer, write_atomically
from pmmlkit.errors import PMMLError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    saved = os.umask(0o022)
    yield
    os.umask(saved)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_mode_is_0666_less_the_umask(tmp_path: Path, umask: None, mask: int, expected: int) -> None:
    os.umask(mask)
    path = write_atomically(tmp_path / "model.pmml", b"<PMML/>")
    assert mode(path) == expected


def test_overwritten_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "model.pmml"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomically(path, b"new")
    assert (path.read_bytes(), mode(path)) == (b"new", 0o640)


def test_killed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "model.pmml"
    # A writer that is killed while its temporary file is open, half-written.
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pmmlkit.document import atomic_writer
        with atomic_writer({str(target)!r}) as handle:
            handle.write(b"<PMML half")
            handle.flush()
            print("writing", flush=True)
            time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".model.pmml.") and not target.exists()
    # A temporary file of a live writer (this process) is left alone.
    live = tmp_path / f".model.pmml.{os.getpid()}.abcdefgh.tmp"
    live.write_bytes(b"")
    write_atomically(target, b"<PMML/>")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.pmml", live.name])


def test_convert_output_is_readable_by_another_user(tmp_path: Path) -> None:
    # A folder anyone may enter (pytest's own tmp folders are private), under umask 022.
    shared = Path(tempfile.mkdtemp(prefix="pmmlkit-modes-"))
    try:
        shared.chmod(0o755)
        X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
        model = LogisticRegression().fit(X, [0, 0, 1, 1])
        skops.io.dump(model, shared / "model.skops")
        sample = shared / "sample.csv"
        X.to_csv(sample, index=False)
        out = shared / "model.pmml"
        run = subprocess.run([sys.executable, "-m", "pmmlkit", "convert", str(shared / "model.skops"), "--sample",
                              str(sample), "-o", str(out)], capture_output=True, text=True,
                             preexec_fn=lambda: os.umask(0o022))
        assert run.returncode == 0, run.stderr
        assert mode(out) == 0o644
        scored = shared / "scores.csv"
        run = subprocess.run([sys.executable, "-m", "pmmlkit", "score", str(out), str(sample), "-o", str(scored)],
                             capture_output=True, text=True, preexec_fn=lambda: os.umask(0o022))
        assert run.returncode == 0, run.stderr
        assert mode(scored) == 0o644
        setpriv = shutil.which("setpriv")
        if os.geteuid() != 0 or setpriv is None:
            pytest.skip("reading as another user needs root and setpriv; the mode bits were checked")
        nobody = pwd.getpwnam("nobody")
        read = subprocess.run([setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups",
                               "head", "-c", "5", str(out)], capture_output=True, text=True)
        assert (read.returncode, read.stdout) == (0, "<?xml"), read.stderr
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def test_no_temporary_file_lingers_after_a_write(tmp_path: Path) -> None:
    write_atomically(tmp_path / "a.pmml", b"1")
    write_atomically(tmp_path / "a.pmml", b"2")
    assert [p.name for p in tmp_path.iterdir()] == ["a.pmml"]
    assert (tmp_path / "a.pmml").read_bytes() == b"2"


@pytest.mark.parametrize("target, fragment", [
    (".", "is a folder: name a file"),
    ("no/such/folder/model.pmml", "does not exist"),
])
def test_unwritable_target_is_refused_by_the_users_name(tmp_path: Path, target: str, fragment: str) -> None:
    path = tmp_path / target
    with pytest.raises(PMMLError) as caught:
        write_atomically(path, b"<PMML/>")
    assert str(path) in str(caught.value) and fragment in str(caught.value)
    assert ".tmp" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_target_that_becomes_a_folder_is_named_not_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "model.pmml"
    with pytest.raises(PMMLError) as caught:
        with atomic_writer(target) as handle:
            handle.write(b"<PMML/>")
            target.mkdir()  # another process made a folder of the name meanwhile
    assert "is a folder" in str(caught.value) and ".tmp" not in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pmml"]
