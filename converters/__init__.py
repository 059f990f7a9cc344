"""Per-framework converters, one front end each: converters/sklearn, converters/spark, converters/lightgbm and
converters/xgboost (installed as pmmlkit.converters)."""
