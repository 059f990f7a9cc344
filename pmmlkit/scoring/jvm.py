"""Start the JVM in-process (JPype) with the PMML4S jars from the pypmml wheel.

The JVM starts lazily on first use, once per process. To share it with other Java libraries
(e.g. jpmml_evaluator), call ``start(classpath=[...], options=[...])`` before anything else uses
Java, or set ``PMMLKIT_CLASSPATH`` (entries separated by ``os.pathsep``) and
``PMMLKIT_JVM_OPTIONS`` (shell words, e.g. ``-Xmx2g``). When another library started the JVM
first, pmmlkit's jars are loaded through a class loader of their own.

A JVM does not survive ``fork``: a child forked after the JVM started hangs on its first real
call into Java. Such a child gets :data:`FORKED_MESSAGE` as an EvaluationError instead.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
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

CLASSPATH_VARIABLE = "PMMLKIT_CLASSPATH"
OPTIONS_VARIABLE = "PMMLKIT_JVM_OPTIONS"
# Deep trees recurse in PMML4S: a large thread stack keeps them from overflowing.
DEFAULT_OPTIONS = ("-Xss64m", "-Djava.awt.headless=true")
FORKED_MESSAGE = (
    "this process was forked after the Java VM started in its parent, and a JVM does not survive fork "
    "(the call would hang). Start worker processes with the 'spawn' or 'forkserver' method "
    "(multiprocessing.get_context('spawn'), joblib's default loky backend) and pass them the model "
    "(pmmlkit models pickle) or its path; or load models only after forking"
)

_lock = threading.RLock()
_loader: Any = None
_started = False
_forked = False  # set in a child forked while the JVM ran in the parent
_settings: tuple[tuple[str, ...], tuple[str, ...]] | None = None  # (classpath, options) pmmlkit started with


def _after_fork_in_child() -> None:
    global _forked
    jpype = sys.modules.get("jpype")
    # isJVMStarted reads a flag of JPype's C module: it does not call into the (now dead) JVM.
    if _started or (jpype is not None and jpype.isJVMStarted()):
        _forked = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def ensure_usable() -> None:
    """Raise EvaluationError at once in a child forked after the JVM started (a call would hang)."""
    if _forked:
        raise EvaluationError(FORKED_MESSAGE)


def pmml4s_jars() -> list[str]:
    spec = importlib.util.find_spec("pypmml")
    if spec is None or not spec.submodule_search_locations:
        raise EvaluationError("the pypmml package (which ships the PMML4S jars) is not installed: pip install pypmml")
    folder = Path(list(spec.submodule_search_locations)[0]) / "jars"
    jars = sorted(glob.glob(str(folder / "*.jar")))
    if not any("pmml4s" in Path(j).name for j in jars):
        raise EvaluationError(f"no PMML4S jar found in {folder}; reinstall pypmml")
    return jars


def pmmlkit_classpath() -> list[str]:
    """The jars pmmlkit itself needs: PMML4S and its bridge."""
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


def environment_classpath() -> list[str]:
    """Extra classpath entries from ``$PMMLKIT_CLASSPATH``."""
    return [p for p in os.environ.get(CLASSPATH_VARIABLE, "").split(os.pathsep) if p]


def environment_options() -> list[str]:
    """Extra JVM options from ``$PMMLKIT_JVM_OPTIONS`` (shell words)."""
    text = os.environ.get(OPTIONS_VARIABLE, "")
    try:
        return shlex.split(text)
    except ValueError as exc:
        raise EvaluationError(f"${OPTIONS_VARIABLE} is not a valid list of options ({exc}): {text!r}") from None


def start(classpath: Sequence[str] = (), options: Sequence[str] = (), *,
          extra_classpath: Sequence[str] = ()) -> None:
    """Start the JVM (if not yet running) with PMML4S, pmmlkit's bridge, ``classpath`` (jars or
    folders of other Java libraries to share the JVM with) and JVM ``options`` (e.g. ``["-Xmx2g"]``).

    ``$PMMLKIT_CLASSPATH`` and ``$PMMLKIT_JVM_OPTIONS`` add to both. A JVM starts once per process:
    asking for other settings once it runs is an EvaluationError. ``extra_classpath`` is the old
    name of ``classpath``.
    """
    global _started, _settings
    ensure_usable()
    if isinstance(classpath, (str, os.PathLike)) or isinstance(options, (str, os.PathLike)):
        raise EvaluationError("start() takes lists: start(classpath=[\"a.jar\"], options=[\"-Xmx2g\"])")
    wanted_classpath = tuple(str(p) for p in [*classpath, *extra_classpath, *environment_classpath()])
    wanted_options = tuple(str(o) for o in [*options, *environment_options()])
    with _lock:
        if _started:
            if (classpath or options or extra_classpath) and (wanted_classpath, wanted_options) != _settings:
                raise EvaluationError(
                    "the Java VM is already running (it starts once per process, on first use), so its classpath "
                    "and options can no longer change: call pmmlkit.jvm.start(classpath=..., options=...) "
                    f"before anything loads a model, or set ${CLASSPATH_VARIABLE} / ${OPTIONS_VARIABLE}")
            return
        import jpype

        if jpype.isJVMStarted():
            if classpath or options or extra_classpath:
                raise EvaluationError(
                    "another library already started the Java VM in this process, so pmmlkit cannot add "
                    "a classpath or options to it; give them to whatever starts it first, or call "
                    "pmmlkit.jvm.start(...) first")
        else:
            libjvm = find_libjvm(java_home())
            try:
                jpype.startJVM(str(libjvm), *DEFAULT_OPTIONS, *wanted_options,
                               classpath=[*pmmlkit_classpath(), *wanted_classpath], convertStrings=False)
            except Exception as exc:  # JPype raises plain OSError/RuntimeError on a broken runtime
                hint = (f"check the options given to pmmlkit.jvm.start() or ${OPTIONS_VARIABLE} "
                        f"({list(wanted_options)}); the JVM printed why above" if wanted_options else INSTALL_HINT)
                raise JavaNotFoundError(f"could not start the Java runtime at {libjvm}: {exc}. {hint}") from None
            _settings = (wanted_classpath, wanted_options)
        _started = True


def jclass(name: str) -> Any:
    """A Java class from pmmlkit's classpath, loading it through our own class loader if needed."""
    global _loader
    ensure_usable()
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
                urls = jpype.JArray(URL)([File(p).toURI().toURL() for p in pmmlkit_classpath()])
                _loader = jpype.JClass("java.net.URLClassLoader")(urls, jpype.JClass("java.lang.ClassLoader")
                                                                 .getSystemClassLoader())
        if _loader is False:
            return jpype.JClass(name)
        return jpype.JClass(name, loader=_loader)


def compilation_milliseconds() -> int:
    """Total time the JVM's JIT compilers have spent so far (-1 where the JVM does not say)."""
    import jpype

    try:
        bean = jpype.JClass("java.lang.management.ManagementFactory").getCompilationMXBean()
        return int(bean.getTotalCompilationTime()) if bean is not None else -1
    except Exception:  # no management support in this runtime: warm-ups then run a fixed number of rows
        return -1


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


def collect_garbage() -> None:
    """Ask the JVM for a full collection (when it runs), so that the heap of unreferenced models
    shrinks back; a no-op before the JVM starts. The server calls it after unloading a version."""
    if not _started or _forked:
        return
    import jpype

    jpype.JClass("java.lang.System").gc()
