"""Reports: the result of validate() (:class:`Report`) and of verify() (:class:`VerificationReport`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    severity: str  # "error" or "warning"
    code: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{self.severity}: {where}{self.message} [{self.code}]"


@dataclass
class Report:
    """What validation found. ``ok`` is true when there is no error.

    ``version`` is the PMML version the document declares (by its namespace); ``checked`` says what
    the schema step checked it against (e.g. ``"PMML 4.4 schema (pmmlkit)"``, ``"PMML 4.4 schema
    (pmmlkit), after upgrading from 4.3"``, a user's XSD path, or why the step was skipped).
    """

    source: str = ""
    issues: list[Issue] = field(default_factory=list)
    version: str | None = None
    checked: str | None = None
    #: How many embedded ModelVerification rows were re-scored (``validate(verify=True)``); None
    #: when they were not asked for.
    rescored: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def add(self, severity: str, code: str, message: str, line: int | None = None) -> None:
        self.issues.append(Issue(severity, code, message, line))

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "ok": self.ok, "version": self.version, "checked": self.checked,
                "rescored": self.rescored, "issues": [asdict(i) for i in self.issues]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def _head(self) -> list[str]:
        head = f"{self.source or 'document'}: {'OK' if self.ok else 'FAILED'}"
        if self.version or self.checked:
            head += f" (PMML {self.version or '?'}" + (f"; checked against {self.checked}" if self.checked else "")
            if self.rescored is not None:
                head += f"; {self.rescored} ModelVerification row{'' if self.rescored == 1 else 's'} re-scored"
            head += ")"
        return [head] + [f"  {issue}" for issue in self.issues]

    def __str__(self) -> str:
        return "\n".join(self._head())


@dataclass
class VerificationReport(Report):
    """verify()'s report: ``rows`` checked and the largest difference per output field."""

    differences: dict[str, float] = field(default_factory=dict)
    rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "ok": self.ok, "issues": [asdict(i) for i in self.issues],
                "differences": self.differences, "rows": self.rows}

    def __str__(self) -> str:
        lines = [f"{self.source or 'document'}: {'OK' if self.ok else 'FAILED'}"]
        lines += [f"  {issue}" for issue in self.issues]
        if self.rows:
            lines.append(f"  rows checked: {self.rows}")
        for name, diff in self.differences.items():
            lines.append(f"  max |difference| {name}: {diff:.3g}")
        return "\n".join(lines)
