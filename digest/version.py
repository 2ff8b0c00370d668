"""The version of digest, in one place: the package, the generator tags and the User-Agent."""

from __future__ import annotations

__version__ = "0.1.0"
