"""The NearestNeighborModel rules: its training instances give every field it names (PMML4S fails
to load a model whose do not, or fails on every record; found by the validate/load differential)."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import child, children, local


class NearestNeighborRules(CheckerBase):
    def _nearest_neighbors(self, model: etree._Element) -> None:
        """Each InstanceField names a column every training row gives a value for (a cell holding an
        element gives none to PMML4S); instanceIdVariable names an InstanceField."""
        instances = child(model, "TrainingInstances")
        listed = child(instances, "InstanceFields") if instances is not None else None
        known = {f.get("field") for f in children(listed, "InstanceField")} if listed is not None else set()
        unnamed = next((f for f in children(listed, "InstanceField") if f.get("column") is None), None) \
            if listed is not None else None
        table = child(instances, "InlineTable") if instances is not None else None
        common = self.table_common.pop(table, None) if table is not None else None
        if common is None and table is not None:  # the rows were not streamed past end()
            rows = [{local(cell) or "" for cell in row if not any(isinstance(c.tag, str) for c in cell)}
                    for row in children(table, "row")]
            common = set.intersection(*rows) if rows else set()
        lacking = next((f for f in children(listed, "InstanceField") if common is not None and
                        f.get("column") is not None and f.get("column") not in common), None) \
            if listed is not None else None
        if unnamed is not None:
            self.error("table-column", f"InstanceField {unnamed.get('field')!r} names no column of the training "
                       "instances' table: the engine fails to load it", unnamed)
        elif lacking is not None:
            self.error("table-column", f"a row of the training instances lacks column {lacking.get('column')!r} "
                       f"(InstanceField {lacking.get('field')!r}): the engine fails on every record", lacking)
        elif model.get("instanceIdVariable") is not None and model.get("instanceIdVariable") not in known:
            self.error("undefined-field", f"instanceIdVariable=\"{model.get('instanceIdVariable')}\" is not one of "
                       "the TrainingInstances' InstanceFields: the engine fails on every record", model)
