"""Per-framework converters: converters/sklearn and converters/spark (installed as pmmlkit.converters)."""
