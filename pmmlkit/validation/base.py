"""The state the rule modules share (what has been declared and seen so far) and how they report."""

from __future__ import annotations

from lxml import etree

from ..report import Report
from . import rawtrees
from .elements import Field, Scope, Segments
from .vocabulary import CURRENT


class CheckerBase:
    """Semantic checks; ``drop=True`` removes checked units from the tree (streaming). The rules live in
    the topical modules (fields, transformations, models, trees, outputs); :class:`~.checks.Checker`
    combines them."""

    def __init__(self, report: Report, drop: bool, empty_extensions: bool = False) -> None:
        self.report = report
        self.drop = drop
        # The tree is the scan's own (not a caller's): an Extension's content, which no engine
        # reads, is dropped once checked even where the tree is kept for the engine.
        self.empty_extensions = empty_extensions
        self.tree_cut: rawtrees.Cut | None = None  # what end() is given for a TreeModel
        self.target_reported = False  # the model being ended already has its target-as-predictor issue
        self.fields: dict[str, Field] = {}  # DataFields and TransformationDictionary DerivedFields
        self.data_fields = 0
        self.functions: dict[str, etree._Element] = {}
        self.contexts: dict[etree._Element, Scope] = {}
        self.segmentations: dict[etree._Element, Segments] = {}
        self.rows: dict[etree._Element, int] = {}
        # The columns each InlineTable's rows hold, gathered as they stream (streaming drops each
        # row once counted, so a table lookup cannot look at its rows afterwards).
        self.table_columns: dict[etree._Element, set[str]] = {}
        self.table_common: dict[etree._Element, set[str]] = {}  # the columns every row of a table holds
        # Per column of a NearestNeighborModel's training table, the dataTypes (vocabulary.CONVERTED_TYPES)
        # some value of it does not read as: an entity id output of that type fails or is null.
        self.table_unfit: dict[etree._Element, dict[str, set[str]]] = {}
        self.extensions: list[int | None] = []
        self.floats: list[Field] = []
        self.namespace = CURRENT
        self.seen: set[str] = set()
        self.derived_uses: dict[str, set[str]] = {}  # TransformationDictionary DerivedField -> names
        self.top_models = 0  # top-level models ended so far (the engine scores the first)
        self.model_scored = True  # the model being ended is the first top-level one or inside it

    # -- reporting -------------------------------------------------------------------------------
    def error(self, code: str, message: str, node: etree._Element | None = None) -> None:
        self.report.add("error", code, message, node.sourceline if node is not None else None)

    def warning(self, code: str, message: str, node: etree._Element | None = None) -> None:
        self.report.add("warning", code, message, node.sourceline if node is not None else None)
