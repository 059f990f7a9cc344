"""The ``pmmlkit`` command. Each subcommand lives in its own ``*_command`` module, which adds its
arguments with ``add_parser(commands)`` and does its work in ``run(args)``; this module only
dispatches and turns every failure into one line on stderr and an exit code."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import PMMLError
from ..version import __version__
from . import (
    convert_command,
    coverage_command,
    diff_command,
    info_command,
    plot_command,
    score_command,
    serve_command,
    validate_command,
    verify_command,
)
from .common import PROG, UsageError, in_flags

COMMANDS = (convert_command, validate_command, score_command, verify_command, info_command, diff_command,
            plot_command, coverage_command, serve_command)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, ``pmmlkit: error: ...``, like every other error, and
    points to the help of the (sub)command it is about."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{PROG}: error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Convert models to PMML, validate PMML and score it.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """The arguments; an unknown one is the subcommand's usage error (`pmmlkit validate --strcit`:
    see `pmmlkit validate --help`, did you mean --strict?), not the top-level parser's."""
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command = _subparser(parser, args.command)
        hint = ""
        options = [o for action in command._actions for o in action.option_strings if o.startswith("--")]
        close = difflib.get_close_matches(unknown[0].split("=")[0], options, n=1) if unknown[0].startswith("-") \
            else []
        if close:
            hint = f"; did you mean {close[0]}?"
        command.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")
    return args


def _subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    return parser


class _OnceToStderr(logging.Handler):
    """pmmlkit's warnings (a tolerated deviation of a document, say), each said once per command on
    standard error, in the CLI's words: a command may read a document twice (verify reads it, then
    scores it), and a library hint (strict=True) is spelled as the subcommand's flag."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(logging.WARNING)
        self.args = args
        self.said: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        text = in_flags(record.getMessage(), self.args)
        if text not in self.said:
            self.said.add(text)
            print(f"{PROG}: warning: {text}", file=sys.stderr)


@contextlib.contextmanager
def _warnings_once(args: argparse.Namespace) -> Iterator[None]:
    if args.command == "serve":  # the server logs as a server does (serving/server.py)
        yield
        return
    logger = logging.getLogger(PROG)
    handler, propagates = _OnceToStderr(args), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagates


def main(argv: Sequence[str] | None = None) -> int:
    # pyspark warns on every import under pandas 3; it is not the user's business here.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    parser = build_parser()
    args = parse(parser, argv)
    try:
        with _warnings_once(args):
            return int(args.run(args) or 0)
    except UsageError as exc:
        return _fail(f"{in_flags(str(exc), args)} (see `{PROG} {args.command} --help`)", 2)
    except PMMLError as exc:
        return _fail(in_flags(str(exc), args), 1)
    except BrokenPipeError:
        return _reader_left()
    except OSError as exc:
        return _fail(exc, 1)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug or a library failure: still one line, unless debugging
        if os.environ.get("PMMLKIT_DEBUG"):
            raise
        return _fail(f"unexpected {type(exc).__name__}: {exc} (set PMMLKIT_DEBUG=1 for a traceback)", 1)


def _reader_left() -> int:
    """The reader of standard output went away (`pmmlkit score ... | head`): stop quietly, as Unix
    tools do, with the status a shell reports for SIGPIPE. Standard output now points at
    /dev/null, so that Python's final flush does not complain either."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + 13


def _fail(error: Any, code: int) -> int:
    if isinstance(error, OSError) and not isinstance(error, PMMLError):
        name = f"{error.filename}: " if error.filename else ""
        text = f"{name}{error.strerror or error}"
    else:
        text = str(error)
    text = " ".join(text.split()) or type(error).__name__
    print(f"{PROG}: error: {text}", file=sys.stderr)
    return code
