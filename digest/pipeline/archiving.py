"""Write a folder's archive: its briefs' index.html and feed.xml, rebuilt together.

`digest.render.archive` renders the two files from the briefs' JSON editions; this writes
them, atomically together, after every brief and for `digest archive`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from digest.errors import OutputError
from digest.render.archive import FEED, INDEX, archive_files, entries
from digest.state.output import write_all

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    index: Path
    feed: Path
    briefs: int  # how many briefs they list


def write_archive(folder: Path, *, base_url: str = "") -> Written:
    """Rebuild index.html and feed.xml from the briefs in `folder`, atomically together.
    The folder's briefs are read once (a file that does not parse is named once)."""
    if not folder.is_dir():
        raise OutputError(f"{folder}: not a folder of briefs (give --out the briefs' folder)")
    found = entries(folder, base_url=base_url)
    write_all(archive_files(folder, base_url=base_url, found=found))
    return Written(folder / INDEX, folder / FEED, len(found))


def update_archive(folder: Path, *, base_url: str = "") -> None:
    """After a brief: rebuild the archive; a failure is a warning, never the brief's."""
    try:
        write_archive(folder, base_url=base_url)
    except OutputError as exc:
        log.warning(
            "%s; the brief is written, but index.html and feed.xml are not updated "
            "(run digest archive --out %s)",
            exc,
            folder,
        )
