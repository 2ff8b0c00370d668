"""Sparse rows of numbers in numpy alone: what the corpus and the story grouping need of a
sparse matrix (rows of unit tf-idf vectors, compared one with many).

Each dot product adds its terms in the row's stored order, as scipy's sparse product
did, so the scores are the same to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Rows:
    """Sparse rows in compressed form: row r holds values data[indptr[r]:indptr[r + 1]]
    in columns indices[indptr[r]:indptr[r + 1]], of `width` columns in all."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    width: int

    @classmethod
    def of(cls, indptr: list[int], indices: list[int], data: list[float]) -> Rows:
        width = max(indices, default=-1) + 1
        return cls(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(data, dtype=np.float64),
            width,
        )

    def dots(self, rows: np.ndarray, i: int) -> np.ndarray:
        """The dot product of each of `rows` with row i."""
        own = slice(self.indptr[i], self.indptr[i + 1])
        dense = np.zeros(self.width)
        dense[self.indices[own]] = self.data[own]
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        sizes = ends - starts
        # Positions of all the rows' entries, row after row, each row in stored order.
        at = np.arange(sizes.sum()) + np.repeat(starts - np.cumsum(sizes) + sizes, sizes)
        products = self.data[at] * dense[self.indices[at]]
        return np.bincount(np.repeat(np.arange(len(rows)), sizes), products, len(rows))
