"""Points → a `Brief`: lead, sections, key figures, sources, the page budget.

sections   the stories' points in order, at a glance, the profile's sections, sources
figures    the key figures the points quote, each with its clause and its sources
budget     how many points fit the brief's pages

Each name is imported on first use, so importing the package loads none of its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.compose.budget import Plan, plan
    from digest.compose.figures import key_figures
    from digest.compose.sections import Chosen, compose, numbered

_LAZY_FROM = {
    "digest.compose.budget": ("Plan", "plan"),
    "digest.compose.figures": ("key_figures",),
    "digest.compose.sections": ("Chosen", "compose", "numbered"),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "Chosen",
    "Plan",
    "compose",
    "key_figures",
    "numbered",
    "plan",
]
