"""What every ``pmmlkit`` subcommand shares: the program name, usage errors, argument types and output."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import IO

from ..document import atomic_writer
from ..errors import UsageError

PROG = "pmmlkit"
DEFAULT_CHUNK = 50_000
SAMPLE_ROWS = 1000
DEFAULT_VERIFICATION_ROWS = 10

PICKLE_WARNING = (".joblib and .pkl/.pickle files run arbitrary code when they are loaded: use them only for files "
                  "you trust. .skops files are loaded with skops' default-trusted types only.")

__all__ = ["PROG", "UsageError", "count", "positive", "output"]


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
