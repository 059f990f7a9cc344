"""Write the golden documents of tests/test_golden.py and tests/test_tree_golden.py.

``python tests/golden/generate.py`` converts the stored fitted models (tests/golden/state/)
through the same functions the tests call (golden_cases.render, golden_cases.render_tree): run it
when pmmlkit's output changes on purpose, and say why in the commit.

``--refit`` first fits every model again and stores its state (the numbers then change with the
processor and the releases: do it only when a case itself changes; commit the state with the
documents). ``--only NAME`` limits either to the cases whose file (e.g. ``trees/…``) contains NAME.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import fitted_state  # noqa: E402
from golden_cases import (  # noqa: E402
    TREE_CASES,
    fit,
    fit_tree,
    render,
    render_tree,
    sample,
    save,
    tree_state_path,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--refit", action="store_true", help="fit the models again and store their state first")
    parser.add_argument("--only", default="", help="only the cases whose file (relative to tests/golden) contains this, e.g. trees/ or spark-")
    args = parser.parse_args(argv)
    for framework, case in sample():
        path = HERE / f"{framework}-{case.id}.pmml"
        if args.only not in str(path.relative_to(HERE)):
            continue
        if args.refit:
            save(framework, case.id, fit(framework, case))
        path.write_bytes(render(framework, case))
        print(f"wrote {path.relative_to(HERE)}")
    for name in sorted(TREE_CASES):
        path = HERE / "trees" / f"{name}.pmml"
        if args.only not in str(path.relative_to(HERE)):
            continue
        if args.refit:
            fitted_state.dump(fit_tree(name), tree_state_path(name))
        path.write_bytes(render_tree(name))
        print(f"wrote {path.relative_to(HERE)}")


if __name__ == "__main__":
    main()
