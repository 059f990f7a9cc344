"""Redis key templates such as ``user:{user_id}``: the one place that parses and fills them, for
feature lookups (``pmmlkit serve``) and for precompute (``pmmlkit score --to-redis``, Spark).

A template is text with ``{name}`` placeholders (``{{``/``}}`` for literal braces); each name is a
value of the record (a request's, or a row's). Values are written as text: a string as is, a whole
number without a decimal point (``7`` and ``7.0`` both give ``user:7``, since JSON and Parquet
readers differ on which they return), any other number in its shortest exact form. A record whose
value is missing (None/NaN) has no key.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import PMMLError


@dataclass(frozen=True)
class KeyTemplate:
    text: str
    literals: tuple[str, ...]
    names: tuple[str, ...]  # literals[i] comes before names[i]; literals has one more item

    @classmethod
    def parse(cls, text: Any, where: str) -> KeyTemplate:
        if not isinstance(text, str) or not text:
            raise PMMLError(f"{where}: a key template must be non-empty text, like 'user:{{user_id}}'")
        literals: list[str] = []
        names: list[str] = []
        try:
            parts = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise PMMLError(f"{where}: key template {text!r} is malformed ({exc}); write placeholders as "
                            "{name} and literal braces as {{ and }}") from None
        pending = ""
        for literal, name, spec, conversion in parts:
            pending += literal
            if name is None:
                continue
            if not name or spec or conversion or not name.replace("_", "a").replace("-", "a").replace(".", "a").isalnum():
                raise PMMLError(f"{where}: key template {text!r}: placeholder {{{name}{'!' + conversion if conversion else ''}"
                                f"{':' + spec if spec else ''}}} must be a plain field name, like {{user_id}}")
            literals.append(pending)
            names.append(name)
            pending = ""
        literals.append(pending)
        return cls(text, tuple(literals), tuple(names))

    def fill_columns(self, texts: Mapping[str, Sequence[str | None]]) -> list[str | None]:
        """The keys of many records at once, from each placeholder's values as key text (key_text)."""
        pattern = "{}".join(part.replace("{", "{{").replace("}", "}}") for part in self.literals)
        return [None if None in parts else pattern.format(*parts) for parts in zip(*(texts[n] for n in self.names))]

    def fill(self, record: Mapping[str, Any]) -> str | None:
        """The key for ``record``, or None when a value it needs is missing."""
        out = [self.literals[0]]
        for name, literal in zip(self.names, self.literals[1:]):
            text = key_text(record.get(name))
            if text is None:
                return None
            out.append(text)
            out.append(literal)
        return "".join(out)


def key_text(value: Any) -> str | None:
    """One value as it appears in a key (None: missing)."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing markers
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):  # numpy integers are ints via __index__ below
        return str(value)
    if hasattr(value, "__index__") and not isinstance(value, float):
        return str(int(value))
    if isinstance(value, float) or hasattr(value, "dtype"):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer() and abs(number) < 2 ** 63:
            return str(int(number))
        return repr(number)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
