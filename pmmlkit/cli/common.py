"""What every ``pmmlkit`` subcommand shares: the program name, usage errors, argument types and output."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar

from ..document import atomic_writer
from ..errors import UsageError

PROG = "pmmlkit"
DEFAULT_CHUNK = 50_000
SAMPLE_ROWS = 1000
DEFAULT_VERIFICATION_ROWS = 10

PICKLE_WARNING = (".joblib and .pkl/.pickle files run arbitrary code when they are loaded: they are loaded only with "
                  "--allow-pickle, for files you trust. .skops files are loaded with skops' default-trusted types, "
                  "plus those named with --trusted or --trust-sklearn.")


def add_loading_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say which saved model files may be loaded, and how far to trust them."""
    parser.add_argument("--allow-pickle", action="store_true",
                        help="load a .joblib, .pkl or .pickle file (it runs arbitrary code when loaded: only for "
                             "files you trust)")
    parser.add_argument("--trusted", metavar="TYPE,...",
                        help="for a .skops file: also trust these types (exact names, as the error lists them; "
                             "PACKAGE.* trusts a whole package)")
    parser.add_argument("--trust-sklearn", action="store_true",
                        help="for a .skops file: trust scikit-learn's own types (e.g. HistGradientBoosting's trees) "
                             "and the two others its fitted models hold (numpy.dtype, functools.partial)")


def loading_options(args: argparse.Namespace) -> dict[str, Any]:
    """``load_model`` keyword arguments from the options :func:`add_loading_arguments` adds."""
    trusted = [t.strip() for t in (args.trusted or "").split(",") if t.strip()]
    if args.trust_sklearn:
        trusted.append("sklearn.*")
    return {"trusted": trusted, "allow_pickle": args.allow_pickle}


# Library messages name the Python keyword that fixes a problem; on the command line the same advice
# is a flag. Each row: (the keyword as messages spell it, the argparse dest, its flag form, the words
# when the subcommand has no such flag). The dests are the keyword names, so one table serves all.
_KEYWORD_FLAGS = (
    ("missing='allow'", "missing", "--missing allow", "missing='allow'"),
    ("extra='ignore'", "extra", "--extra ignore", "extra='ignore'"),
    ("max_bytes= or ", "max_bytes", "--max-bytes or ", ""),
    ("strict=True", "strict", "--strict", "`pmmlkit score --strict`"),
)


def in_flags(message: str, args: argparse.Namespace) -> str:
    """``message`` with the Python keywords it suggests spelled as this subcommand's flags."""
    for keyword, dest, flag, otherwise in _KEYWORD_FLAGS:
        if keyword in message:
            message = message.replace(keyword, flag if hasattr(args, dest) else otherwise)
    return message


__all__ = ["PROG", "UsageError", "bounded", "SECONDS", "PORT", "ROWS", "output", "add_loading_arguments",
           "loading_options", "in_flags", "not_pmml", "looks_like", "check_pmml_argument"]


# What a file that is not XML most likely is, by its first bytes: what a user swapping two arguments
# (`pmmlkit score data.csv model.pmml`) or naming the wrong file should be told instead of "not
# well-formed XML".
_MAGIC = ((b"PAR1", "a Parquet file"), (b"\x1f\x8b", "a gzip-compressed file"),
          (b"PK\x03\x04", "a zip archive (a .skops model, or a zipped file?)"),
          (b"\x80", "a Python pickle (a saved model?)"))


def not_pmml(head: bytes) -> str | None:
    """What the file starting with ``head`` looks like when it cannot be an XML document (PMML), or
    None when it may be one (its first character is '<', in UTF-8 or UTF-16)."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"):
        return None  # UTF-16, which the parser reads
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text or text.startswith(b"<"):
        return None  # empty or XML: the parser says what is wrong with it
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    first = text.splitlines()[0].decode("utf-8", errors="replace")
    if first[:1] in "{[":
        return "JSON" + (" Lines" if first.rstrip().endswith("}") and len(text.splitlines()) > 1 else "")
    for separator, said in ((",", "CSV"), (";", "CSV separated by ';'"), ("\t", "tab-separated text")):
        if separator in first:
            return f"{said} (its first line is {first[:60]!r})"
    return "text that is not XML" if text.isascii() else "binary data, not XML"


def looks_like(path: str | os.PathLike[str]) -> str | None:
    """What the file at ``path`` looks like when it is plainly no XML (see :func:`not_pmml`); None
    when it may be XML or cannot be read (the reader then says what is wrong)."""
    try:
        with open(path, "rb") as handle:
            return not_pmml(handle.read(4096))
    except OSError:
        return None


def check_pmml_argument(path: str, argument: str = "MODEL.pmml", usage: str = "") -> None:
    """A usage error when the file given for a PMML argument is plainly no XML (a data table, a saved
    model): arguments in the wrong order, most likely, or ``-``: a PMML document is read from a file (it
    is read more than once: checked, then compiled), not from standard input. Anything that may be XML
    is left to the parser."""
    if path == "-":
        raise UsageError(f"{argument} cannot be '-': standard input is not read as a PMML document; save the "
                         "document to a file first (e.g. `curl -o model.pmml URL`) and give its path"
                         + (f": {usage}" if usage else ""))
    kind = looks_like(path)
    if kind is not None:
        order = f": {usage}" if usage else ""
        raise UsageError(f"{path} is not a PMML file: it looks like {kind}. {argument} must be a PMML (XML) "
                         f"document{order}")


_Number = TypeVar("_Number", int, float)


def bounded(kind: type[_Number], low: _Number | None = None, high: _Number | None = None,
            what: str = "") -> Callable[[str], _Number]:
    """An argparse type: a finite number of ``kind`` (``int``: a whole number) from ``low`` to ``high``
    (an end that is None is open), ``what`` naming its unit in messages ("seconds"). Every number the
    command line takes is one of these: a timeout of 1e-9 s or a port of 0 is a usage error saying the
    range, never a server that times out every request; nan and inf are refused (nan passes every
    comparison test, inf every limit)."""
    unit = f" {what}" if what else ""
    number = "a whole number" if kind is int else "a number"

    def parse(text: str) -> _Number:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {number}{' of' + unit if unit else ''}: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number{' of' + unit if unit else ''}, not {text}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {_range(low, high)}{unit}, not {text}")
        return value

    parse.__name__ = f"{kind.__name__} from {low} to {high}"
    return parse


def _range(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {_number(low)} to {_number(high)}"
    return f"at least {_number(low)}" if low is not None else f"at most {_number(high)}"


def _number(value: float | None) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


# The ranges the command line's numbers take (what counts as sensible is said once, here).
SECONDS = bounded(float, 0.001, 86_400.0, "seconds")  # a timeout: a millisecond to a day
PORT = bounded(int, 1, 65_535)
ROWS = bounded(int, 1, 100_000_000, "rows")


@contextlib.contextmanager
def output(path: str | None) -> Iterator[IO[str]]:
    """Standard output, or a temporary file beside ``path`` renamed into place on success."""
    if path is None or path == "-":
        try:
            yield sys.stdout
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. `pmmlkit score ... | head`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    with atomic_writer(path, "w") as handle:
        yield handle
