"""Transform an integer program into its solution, with HiGHS, printing nothing.

The coverage method's blocks (see `digest.summarize.coverage`) are small 0/1 programs:
this module hands one to HiGHS through highspy's compiled core and reads back the
values of its variables, while keeping standard output, where `digest summarize`
writes its summary, clean of what the C solver prints. Knows nothing of sentences or
concepts.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

_STDOUT = threading.RLock()  # fd 1 is the process's: one redirect at a time


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, to flush its buffers; None where it cannot be loaded by name."""
    try:
        return ctypes.CDLL(None)
    except (OSError, AttributeError, TypeError):  # Windows has no CDLL(None)
        return None


@contextlib.contextmanager
def _stdout_silenced() -> Iterator[None]:
    """Send what C code prints on standard output to /dev/null meanwhile.

    HiGHS 1.12 prints a debugging line with printf in some searches ("HighsMipSolverData::
    transformNewIntegerFeasibleSolution tmpSolver.run();"), whatever its own options say,
    and `digest summarize --json` writes its JSON to that same standard output. Both
    Python's and C's buffers are flushed before and after, so nothing written outside
    is lost or moved. Solves take turns, since fd 1 is the process's (digest solves one
    block at a time anyway; HiGHS itself releases the GIL while it solves, measured).
    Without a C library to flush, /dev/null or a standard output, nothing is redirected."""
    with _STDOUT:
        libc = _libc()
        saved = _redirect(libc) if libc is not None else None
        try:
            yield
        finally:
            if libc is not None and saved is not None:
                libc.fflush(None)
                os.dup2(saved, 1)
                os.close(saved)


def _redirect(libc: ctypes.CDLL) -> int | None:
    """Point fd 1 at /dev/null; the descriptor that keeps the real one, or None."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the command reports it
        pass
    libc.fflush(None)
    try:
        os.fstat(1)  # no standard output at all: nothing to keep clean
        saved = os.dup(1)
    except OSError:
        return None
    try:
        sink = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        return None
    os.dup2(sink, 1)
    os.close(sink)
    return saved


def solve(
    objective: np.ndarray,
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
    upper: np.ndarray,
    *,
    integers: int,
    options: dict[str, Any],
) -> np.ndarray | None:
    """Minimise objective·x subject to A·x ≤ upper and 0 ≤ x ≤ 1, the first `integers`
    variables 0 or 1; A is given as (row, column, value) entries. None: no solution.

    HiGHS is driven through highspy's compiled core, as scipy's `milp` drives its own
    copy, with the same options: highspy's Python class would print a banner on stdout
    (where `digest summarize` writes its summary) and run the solver in a thread."""
    from highspy import _core as highs  # the solver only for the methods that use it

    lp = _model(highs, objective, entries, upper, integers=integers)
    solver = highs._Highs()
    solver.setOptionValue("log_to_console", False)
    for key, value in options.items():
        if solver.setOptionValue(key, value) == highs.HighsStatus.kError:
            raise RuntimeError(f"HiGHS {highs.HIGHS_VERSION_MAJOR}.x has no option {key}={value!r}")
    if solver.passModel(lp) == highs.HighsStatus.kError:
        return None
    with _stdout_silenced():
        ran = solver.run()
    if ran == highs.HighsStatus.kError:
        return None
    return np.array(solver.getSolution().col_value) if _found(highs, solver) else None


def _model(
    highs: Any,
    objective: np.ndarray,
    entries: tuple[np.ndarray, np.ndarray, np.ndarray],
    upper: np.ndarray,
    *,
    integers: int,
) -> Any:
    """The program as HiGHS takes it: a HighsLp, its matrix stored column by column."""
    rows, cols, vals = entries
    order = np.lexsort((rows, cols))  # column-wise, rows ascending within a column
    size = len(objective)
    lp = highs.HighsLp()
    lp.num_col_ = lp.a_matrix_.num_col_ = size
    lp.num_row_ = lp.a_matrix_.num_row_ = len(upper)
    lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=size))])
    lp.a_matrix_.index_ = rows[order]
    lp.a_matrix_.value_ = vals[order].astype(np.float64)
    lp.col_cost_ = objective
    lp.col_lower_, lp.col_upper_ = np.zeros(size), np.ones(size)
    lp.row_lower_, lp.row_upper_ = np.full(len(upper), -np.inf), upper.astype(np.float64)
    kinds = [highs.HighsVarType.kInteger, highs.HighsVarType.kContinuous]
    lp.integrality_ = [kinds[0]] * integers + [kinds[1]] * (size - integers)
    return lp


def _found(highs: Any, solver: Any) -> bool:
    """Whether the run ended with a solution: proven best, or the best found before one
    of its limits stopped it."""
    status = solver.getModelStatus()
    limits = (highs.HighsModelStatus.kTimeLimit, highs.HighsModelStatus.kSolutionLimit)
    return bool(
        status == highs.HighsModelStatus.kOptimal
        or (
            status in (*limits, highs.HighsModelStatus.kIterationLimit)
            and solver.getInfo().objective_function_value != highs.kHighsInf
        )
    )
