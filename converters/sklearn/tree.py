"""Decision trees and random forests."""

from __future__ import annotations

from typing import Any

from lxml import etree

from pmmlkit.context import Context
from pmmlkit.fields import Field


def convert_decision_tree(tree: Any, features: list[Field], context: Context) -> etree._Element:
    raise context.error("decision trees are not converted yet")


def convert_random_forest(forest: Any, features: list[Field], context: Context) -> etree._Element:
    raise context.error("random forests are not converted yet")
