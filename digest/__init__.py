"""digest: turn a folder of news articles on one story into a dated, sourced brief."""

__version__ = "0.1.0"
