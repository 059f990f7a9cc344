"""Rebuild the JVM bridge jar (``make jar``): ``python -m pmmlkit.scoring.bridge_build``.

Compiles ``pmmlkit/scoring/bridge/src/**/*.java`` with ``javac --release 11`` against the PMML4S jars that
the pypmml wheel ships, and writes ``pmmlkit/scoring/bridge/pmmlkit-bridge.jar``. The jar is reproducible:
entries in a fixed order with a fixed timestamp, so the same source and JDK give the same bytes.
Only developers need this; installs use the committed jar.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from ..errors import PMMLError
from .jvm import BRIDGE_JAR, pmml4s_jars

SOURCE_DIR = BRIDGE_JAR.parent / "src"
RELEASE = "11"
# 1980-01-01 is the earliest time a zip entry can hold: no build time leaks into the jar.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def javac() -> str:
    """The javac to use: $JAVA_HOME/bin/javac, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "javac").exists():
        return str(Path(home) / "bin" / "javac")
    found = shutil.which("javac")
    if found is None:
        raise PMMLError("javac not found: building the bridge needs a JDK 11 or newer "
                        "(Debian/Ubuntu: `apt-get install -y default-jdk-headless`, or `make jar` installs one)")
    return found


def javac_major(tool: str | None = None) -> int:
    """The feature release of the JDK (17 for javac 17.0.15)."""
    text = subprocess.run([tool or javac(), "-version"], capture_output=True, text=True, check=True)
    match = re.search(r"javac (\d+)(?:\.(\d+))?", text.stdout + text.stderr)
    if match is None:
        raise PMMLError(f"cannot read the javac version from {text.stdout + text.stderr!r}")
    major = int(match.group(1))
    # Java 8 and older call themselves 1.8.
    return int(match.group(2)) if major == 1 and match.group(2) else major


def sources(root: Path = SOURCE_DIR) -> list[Path]:
    return sorted(root.rglob("*.java"))


def compile_classes(source_root: Path = SOURCE_DIR) -> dict[str, bytes]:
    """Compile the bridge; returns ``{jar entry name: class file bytes}``."""
    tool = javac()
    files = sources(source_root)
    if not files:
        raise PMMLError(f"no Java sources under {source_root}")
    with tempfile.TemporaryDirectory(prefix="pmmlkit-javac-") as tmp:
        command = [tool, "--release", RELEASE, "-encoding", "UTF-8", "-Xlint:all",
                   "-cp", os.pathsep.join(pmml4s_jars()), "-d", tmp, *map(str, files)]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise PMMLError(f"javac failed:\n{result.stderr.strip()}")
        out = Path(tmp)
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.class"))}


def manifest(jdk: int) -> bytes:
    # Build-Jdk-Spec says which javac made the classes: other JDKs may emit other bytes.
    return (f"Manifest-Version: 1.0\r\nCreated-By: pmmlkit.scoring.bridge_build\r\nBuild-Jdk-Spec: {jdk}\r\n"
            f"Target-Release: {RELEASE}\r\n\r\n").encode("ascii")


def write_jar(classes: dict[str, bytes], path: Path, jdk: int) -> Path:
    """Write a reproducible jar: manifest first, then folders and classes in sorted order."""
    entries: dict[str, bytes | None] = {"META-INF/": None, "META-INF/MANIFEST.MF": manifest(jdk)}
    folders = {name.rsplit("/", i)[0] + "/" for name in classes for i in range(1, name.count("/") + 1)}
    for name in sorted(folders | set(classes)):
        entries[name] = classes.get(name)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as jar:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.create_system = 3  # unix, so the permission bits below are honoured
            if data is None:
                info.external_attr = (0o40755 << 16) | 0x10
                jar.writestr(info, b"")
            else:
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                jar.writestr(info, data)
    os.replace(tmp, path)
    return path


def jar_classes(path: Path = BRIDGE_JAR) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as jar:
        return {n: jar.read(n) for n in sorted(jar.namelist()) if n.endswith(".class")}


def jar_jdk(path: Path = BRIDGE_JAR) -> int | None:
    """The Build-Jdk-Spec recorded in a jar's manifest, if any."""
    with zipfile.ZipFile(path) as jar:
        try:
            text = jar.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
        except KeyError:
            return None
    match = re.search(r"^Build-Jdk-Spec:\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else None


def build(path: Path = BRIDGE_JAR) -> Path:
    return write_jar(compile_classes(), path, javac_major())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pmmlkit.scoring.bridge_build", description="Rebuild pmmlkit's JVM bridge jar.")
    parser.add_argument("-o", "--output", type=Path, default=BRIDGE_JAR, help=f"jar to write (default {BRIDGE_JAR})")
    parser.add_argument("--check", action="store_true",
                        help="compile and compare with the existing jar's classes instead of writing (exit 1 if they differ)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            same = compile_classes() == jar_classes(args.output)
            print(f"{args.output}: {'up to date' if same else 'differs from the source: run make jar'}")
            return 0 if same else 1
        path = build(args.output)
    except PMMLError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
