"""Start the JVM in-process (JPype) with the PMML4S jars from the pypmml wheel.

The JVM starts lazily on first use, once per process. When another library started it first,
pmmlkit's jars are loaded through a class loader of their own.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import EvaluationError, JavaNotFoundError

BRIDGE_JAR = Path(__file__).with_name("bridge") / "pmmlkit-bridge.jar"
INSTALL_HINT = (
    "pmmlkit scores PMML on a Java runtime (11 or newer). Install one "
    "(Debian/Ubuntu: `apt-get install -y default-jre-headless`; macOS: `brew install openjdk`) "
    "or set JAVA_HOME to an installed JDK/JRE."
)

_lock = threading.RLock()
_loader: Any = None
_started = False


def pmml4s_jars() -> list[str]:
    spec = importlib.util.find_spec("pypmml")
    if spec is None or not spec.submodule_search_locations:
        raise EvaluationError("the pypmml package (which ships the PMML4S jars) is not installed: pip install pypmml")
    folder = Path(list(spec.submodule_search_locations)[0]) / "jars"
    jars = sorted(glob.glob(str(folder / "*.jar")))
    if not any("pmml4s" in Path(j).name for j in jars):
        raise EvaluationError(f"no PMML4S jar found in {folder}; reinstall pypmml")
    return jars


def classpath() -> list[str]:
    return pmml4s_jars() + [str(BRIDGE_JAR)]


def java_home() -> Path:
    """The Java installation to use: $JAVA_HOME, else the `java` on PATH."""
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    java = shutil.which("java")
    if java:
        candidates.append(Path(os.path.realpath(java)).parent.parent)
    for home in candidates:
        if find_libjvm(home) is not None:
            return home
    if java:
        # Ask the runtime itself (covers layouts where bin/java is a launcher elsewhere).
        try:
            out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True,
                                 text=True, timeout=30).stderr
            for line in out.splitlines():
                if line.strip().startswith("java.home ="):
                    home = Path(line.split("=", 1)[1].strip())
                    if find_libjvm(home) is not None:
                        return home
        except (OSError, subprocess.SubprocessError):
            pass
    raise JavaNotFoundError(f"no Java runtime found (JAVA_HOME unset or invalid, no `java` on PATH). {INSTALL_HINT}")


def find_libjvm(home: Path) -> Path | None:
    for pattern in ("lib/server/libjvm.*", "jre/lib/*/server/libjvm.*", "lib/*/server/libjvm.*",
                    "bin/server/jvm.dll", "lib/server/libjvm.dylib"):
        found = sorted(home.glob(pattern))
        if found:
            return found[0]
    return None


def start(extra_classpath: Sequence[str] = ()) -> None:
    """Start the JVM (if not yet running) with PMML4S, pmmlkit's bridge and ``extra_classpath``."""
    global _started
    with _lock:
        if _started:
            return
        import jpype

        if not jpype.isJVMStarted():
            libjvm = find_libjvm(java_home())
            try:
                jpype.startJVM(str(libjvm), "-Xss64m", "-Djava.awt.headless=true",
                               classpath=classpath() + list(extra_classpath), convertStrings=False)
            except Exception as exc:  # JPype raises plain OSError/RuntimeError on a broken runtime
                raise JavaNotFoundError(f"could not start the Java runtime at {libjvm}: {exc}. {INSTALL_HINT}") from None
        _started = True


def jclass(name: str) -> Any:
    """A Java class from pmmlkit's classpath, loading it through our own class loader if needed."""
    global _loader
    start()
    import jpype

    with _lock:
        if _loader is None:
            try:
                jpype.JClass("dev.pmmlkit.BatchScorer")
                jpype.JClass("org.pmml4s.model.Model")
                _loader = False
            except Exception:
                URL = jpype.JClass("java.net.URL")
                File = jpype.JClass("java.io.File")
                urls = jpype.JArray(URL)([File(p).toURI().toURL() for p in classpath()])
                _loader = jpype.JClass("java.net.URLClassLoader")(urls, jpype.JClass("java.lang.ClassLoader")
                                                                 .getSystemClassLoader())
        if _loader is False:
            return jpype.JClass(name)
        return jpype.JClass(name, loader=_loader)


def java_message(exc: BaseException) -> str:
    """A one-line message for a Java exception, without the Java stack trace."""
    try:
        cause = exc
        seen = 0
        # Prefer the innermost cause: wrapper exceptions carry no extra information.
        while hasattr(cause, "getCause") and cause.getCause() is not None and seen < 10:
            cause = cause.getCause()
            seen += 1
        name = str(cause.getClass().getSimpleName()) if hasattr(cause, "getClass") else type(cause).__name__
        message = cause.getMessage() if hasattr(cause, "getMessage") else str(cause)
        return f"{name}: {message}" if message is not None else name
    except Exception:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
