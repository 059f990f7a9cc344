"""`pmmlkit serve`: PMML models behind TensorFlow Serving's REST API (Starlette on uvicorn).

Needs the ``serve`` extra: ``pip install 'pmmlkit[serve]'``.
"""

from .app import create_app
from .config import Limits, ModelSource, ServingConfig

__all__ = ["create_app", "Limits", "ModelSource", "ServingConfig"]
