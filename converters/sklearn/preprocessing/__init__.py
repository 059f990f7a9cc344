"""Converters for sklearn.preprocessing, one module per module of scikit-learn's package."""
