"""What every ``pmmlkit`` subcommand shares: the program name, usage errors, argument types and output."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

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
)


def in_flags(message: str, args: argparse.Namespace) -> str:
    """``message`` with the Python keywords it suggests spelled as this subcommand's flags."""
    for keyword, dest, flag, otherwise in _KEYWORD_FLAGS:
        if keyword in message:
            message = message.replace(keyword, flag if hasattr(args, dest) else otherwise)
    return message


__all__ = ["PROG", "UsageError", "count", "positive", "output", "add_loading_arguments", "loading_options",
           "in_flags"]


def count(text: str) -> int:
    """An argparse type: a whole number, zero or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return value


def positive(text: str) -> int:
    """An argparse type: a whole number, one or more."""
    value = count(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


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
