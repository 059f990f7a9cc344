"""Seeing inside a PMML model: summaries, importance, explanations and differences between versions.

Everything here reads the document itself (any producer's, not only pmmlkit's); what needs scores
asks the scoring engine through a callable, so this package never starts an engine on its own.
"""
