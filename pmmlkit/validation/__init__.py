"""PMML validation: the schema step, the semantic rules and the gate every reader runs.

- :mod:`.rules`: the rule table (code, severity, whether it blocks loading);
- :mod:`.checks`: the semantic rules, checked unit by unit as a document streams, by topic in
  :mod:`.fields`, :mod:`.transformations`, :mod:`.models`, :mod:`.trees` and :mod:`.outputs` (with
  :mod:`.vocabulary`, the PMML names they need, and :mod:`.spans`, the interval arithmetic of the
  tree rules);
- :mod:`.schema`: the XML Schema step (and the upgrade of older PMML versions to 4.4);
- :mod:`.scan`: one bounded pass over a document running both;
- :mod:`.gate`: what ``load``, ``score``, ``info``, ``verify`` and the Spark scorer run first;

``pmmlkit.validate`` (in ``pmmlkit/validate.py``) is the reporting front end. Validation never scores:
re-scoring a document's own ModelVerification rows (``validate --verify``) is
:mod:`pmmlkit.verification`'s, one layer up.
"""

from __future__ import annotations

from .gate import gate, refusal
from .rules import RULES, Rule

__all__ = ["gate", "refusal", "RULES", "Rule"]
