"""PMML builders shared by every framework's converters (extraction stays in converters/)."""
