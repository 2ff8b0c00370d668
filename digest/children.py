"""What every child process of digest does first: end when its parent ends.

A child (the layout process, a worker) holds nothing to save. Without this it outlives a
parent killed by a signal only the parent received (`kill PID`, a supervisor's stop, an
OOM kill), and goes on using a core for nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # prctl's option, from <linux/prctl.h>


def end_with(parent: int) -> None:  # pragma: no cover - runs in the child
    """Be sent SIGKILL when `parent` ends (Linux); end now if it already has."""
    if not sys.platform.startswith("linux"):
        return  # prctl is Linux's; elsewhere a child is ended by its parent only
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(0)
