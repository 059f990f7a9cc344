"""pmmlkit's version, as the installed distribution declares it (setup.cfg is its one source).

A module of its own so that any module can name the version without importing the package root
(``pmmlkit/__init__.py`` imports nearly everything).
"""

from __future__ import annotations

import importlib.metadata

try:
    __version__ = importlib.metadata.version("pmmlkit")
except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, never installed
    __version__ = "0+unknown"
