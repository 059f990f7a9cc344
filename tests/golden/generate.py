"""Write the golden PMML files of tests/test_golden.py: ``python tests/golden/generate.py``.

Run it only when a change of output is intended (and say why in the commit): the files pin the
bytes pmmlkit writes for a sample of the fidelity table's models.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from golden_cases import render, sample  # noqa: E402


def main() -> None:
    for framework, case in sample():
        path = HERE / f"{framework}-{case.id}.pmml"
        path.write_bytes(render(framework, case))
        print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
