"""SimpleImputer."""

from __future__ import annotations

from typing import Any

from pmmlkit.context import Context
from pmmlkit.fields import Field


def convert_simple_imputer(imputer: Any, features: list[Field], context: Context) -> list[Field]:
    raise context.error("SimpleImputer is not converted yet")
