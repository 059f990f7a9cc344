"""The input contract's rules for names: inputs absent from a record or a table, and keys the model does
not know, with the messages every path gives (pmmlkit.scoring.inputs applies them to records and
frames, pmmlkit.scoring.contract binds them to a model)."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from typing import Any

from ..errors import EvaluationError

# The advice that ends a message, in the library's terms. The command line (pmmlkit.cli.common.in_flags)
# and the server (JSON_TERMS) say the same in their own terms: the problem itself reads the same everywhere.
GIVE_MISSING = "Give a missing value as None/NaN, or pass missing='allow' to score absent inputs as missing"
DROP_EXTRA = "drop them, or leave extra='ignore' (the default) to skip them"
# The same advice for a client sending JSON (pmmlkit serve): null is the missing value, and the
# server has no policy options (absent inputs and unknown keys are always refused, as TensorFlow
# Serving refuses them).
JSON_TERMS = ((GIVE_MISSING, "Give a missing value as null"), (DROP_EXTRA, "drop them"))


def in_json_terms(message: str) -> str:
    """``message`` with the library's advice said as a JSON client can follow it."""
    for library, json_text in JSON_TERMS:
        message = message.replace(library, json_text)
    return message


def absent_message(absent: Sequence[str], given: Sequence[Any], needed: Sequence[str], what: str,
                   unused: Collection[str] = ()) -> str:
    hints = []
    # Only a given name the model neither reads nor was trained on can be a misspelling: 'petal_length'
    # is no hint for an absent 'sepal_length' when the model reads both.
    known = set(needed) | set(unused)
    candidates = [str(g) for g in given if str(g) not in known]
    for name in absent:
        close = [c for c in candidates if c.lower() == name.lower()]
        if not close:
            close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
        if close:
            hints.append(f"{close[0]!r} for {name!r}?")
    hint = f" Did you mean {', '.join(hints)}" if hints else ""
    # A frame from pd.DataFrame(array) names its columns 0, 1, ...: not the fields '0', '1', ...
    numbered = [g for g in given if not isinstance(g, str) and str(g) in absent]
    if numbered:
        hint += (f" The {what}'s columns {numbered[:3]} are named by {type(numbered[0]).__name__}s, not text:"
                 " name them as text (X.columns = X.columns.astype(str)).")
    return f"inputs missing from the {what}: {list(absent)} (the model needs {list(needed)}).{hint} {GIVE_MISSING}"


def extra_message(extra: Sequence[Any], needed: Sequence[str], what: str, unused: Collection[str] = ()) -> str:
    trained = f", and accepts the inputs it was trained on but does not use: {sorted(unused)}" if unused else ""
    return (f"the {what} has inputs the model does not know: {list(extra)} (the model needs {list(needed)}"
            f"{trained}); {DROP_EXTRA}")


def check_names(given: Sequence[Any], needed: Sequence[str], missing: str, extra: str, what: str,
                unused: Collection[str] = ()) -> None:
    """Absent and unknown inputs, for any path that knows the given names (frames, files, Spark).
    ``unused``: inputs the model was trained on but does not use (the document's DataFields outside
    its MiningSchema), which ``extra="error"`` accepts and ignores."""
    present = set(given)
    absent = [n for n in needed if n not in present]
    if absent and missing == "error":
        raise EvaluationError(absent_message(absent, given, needed, what, unused))
    if extra == "error":
        wanted = set(needed)
        unknown = [g for g in given if g not in wanted and g not in unused]
        if unknown:
            raise EvaluationError(extra_message(unknown, needed, what, unused))


__all__ = ["DROP_EXTRA", "GIVE_MISSING", "JSON_TERMS", "absent_message", "check_names", "extra_message",
           "in_json_terms"]
