"""The NearestNeighborModel rules: its training instances give every field it names (PMML4S fails
to load a model whose do not, or fails on every record; found by the validate/load differential), and
its count of neighbours is one PMML4S can read, its entity ids of the type its outputs declare."""

from __future__ import annotations

from lxml import etree

from .base import CheckerBase
from .elements import child, children, local, unfit_types

# PMML4S reads numberOfNeighbors as a Java int: a larger count fails to load.
LARGEST_INT = 2 ** 31 - 1


class NearestNeighborRules(CheckerBase):
    def _nearest_neighbors(self, model: etree._Element) -> None:
        """Each InstanceField names a column every training row gives a value for (a cell holding an
        element gives none to PMML4S); instanceIdVariable names an InstanceField."""
        count = (model.get("numberOfNeighbors") or "").strip()
        if count.lstrip("+-").isdigit() and int(count) > LARGEST_INT:
            self.error("value-type", f"numberOfNeighbors=\"{count}\" does not fit the 32-bit integer the engine reads "
                       "it as, so it fails to load: give the number of neighbours that vote (at most the training "
                       "instances)", model)
            return
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
        elif listed is not None and table is not None:
            self._entity_ids(model, listed, table)

    def _entity_ids(self, model: etree._Element, listed: etree._Element, table: etree._Element) -> None:
        """An entityId OutputField takes the instanceIdVariable's values converted to its dataType:
        PMML4S fails on every record when one is not an integer (or not true/false) and the output
        is declared so, and gives null when one is not a number for a real output."""
        unfit = self.table_unfit.pop(table, None)
        if unfit is None:  # the rows were not streamed past end()
            unfit = {}
            for row in children(table, "row"):
                unfit_types(row, unfit)
        ids = next((f.get("column") for f in children(listed, "InstanceField")
                    if f.get("field") == model.get("instanceIdVariable")), None)
        output = child(model, "Output")
        for field in children(output, "OutputField") if output is not None and ids is not None else []:
            if field.get("feature") == "entityId" and field.get("dataType") in unfit.get(ids, set()):
                self.error("output-feature", f"OutputField {field.get('name')!r} declares dataType="
                           f"\"{field.get('dataType')}\" for an entity id, but the ids (column {ids!r}) are not all of "
                           "that type: the engine fails or gives null; declare it a string", field)
                return
