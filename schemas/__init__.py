"""The project's own PMML XML Schemas (installed as pmmlkit.schemas).

``pmml-4-4.xsd`` is written in this repository from the PMML 4.4 standard's definitions; it is the
schema ``pmmlkit validate`` and the test harness check documents against.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lxml import etree

FOLDER = Path(__file__).resolve().parent
PMML_4_4 = FOLDER / "pmml-4-4.xsd"
NAMESPACE_4_4 = "http://www.dmg.org/PMML-4_4"


@functools.cache
def xml_schema(path: Path = PMML_4_4) -> etree.XMLSchema:
    """The compiled XML Schema at ``path`` (default: the project's PMML 4.4 schema), compiled once."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(path), parser))
