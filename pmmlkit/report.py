"""Report: the result of validate() and verify()."""

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
    """``ok`` is true when there is no error. ``issues`` lists what was found; for verify(),
    ``differences`` holds the largest difference per output field and ``rows`` the rows checked."""

    source: str = ""
    issues: list[Issue] = field(default_factory=list)
    differences: dict[str, float] = field(default_factory=dict)
    rows: int = 0

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
        return {"source": self.source, "ok": self.ok, "issues": [asdict(i) for i in self.issues],
                "differences": self.differences, "rows": self.rows}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self) -> str:
        head = f"{self.source or 'document'}: {'OK' if self.ok else 'FAILED'}"
        lines = [head] + [f"  {issue}" for issue in self.issues]
        if self.rows:
            lines.append(f"  rows checked: {self.rows}")
        for name, diff in self.differences.items():
            lines.append(f"  max |difference| {name}: {diff:.3g}")
        return "\n".join(lines)
