"""How classes are named to users: where they import them from, not where they are defined.

scikit-learn defines ``KNeighborsClassifier`` in ``sklearn.neighbors._classification`` and users
import it from ``sklearn.neighbors``. Every message and listing that names a class goes through
:func:`public_name`, so no private module path reaches a user.
"""

from __future__ import annotations

import sys
from typing import Any


def public_module(cls: type) -> str:
    """The shortest module path a user imports ``cls`` from: the shallowest enclosing package
    that exports it under its own name (``sklearn.ensemble`` for HistGradientBoostingClassifier),
    else the module path without its private (``_``) parts."""
    parts = cls.__module__.split(".")
    # Only modules already imported are consulted (the class's own parents always are): naming a
    # class for a message must not import anything.
    for depth in range(1, len(parts)):
        module = sys.modules.get(".".join(parts[:depth]))
        if module is not None and getattr(module, cls.__name__, None) is cls:
            return module.__name__
    while len(parts) > 1 and parts[-1].startswith("_"):
        parts.pop()
    return ".".join(parts)


def public_name(thing: Any) -> str:
    """``sklearn.neighbors.KNeighborsClassifier`` for the class or an instance of it."""
    cls = thing if isinstance(thing, type) else type(thing)
    return f"{public_module(cls)}.{cls.__qualname__}"


__all__ = ["public_module", "public_name"]
