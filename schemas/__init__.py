"""The project's own PMML XML Schemas (installed as pmmlkit.schemas)."""
