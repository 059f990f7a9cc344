"""Spark ML converters (installed as pmmlkit.converters.spark)."""
