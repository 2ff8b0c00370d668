"""What a daily run did: its date, status, articles, files and send → a `Ran`.

`digest.pipeline.daily` runs the day and `digest.pipeline.run_brief` builds its brief;
both may end a run with nothing new, recorded in the run ledger here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from digest.pipeline.publish import Sent
from digest.state import run_ledger
from digest.state.run_ledger import RunLedger


@dataclass(frozen=True)
class Ran:
    date: dt.date
    status: str  # run_ledger.SENT, run_ledger.NOTHING_NEW, or daily.ALREADY (done before)
    articles: int = 0  # new articles briefed
    files: Mapping[str, Path] = field(default_factory=dict)
    sent: Sent | None = None
    note: str = ""


def nothing_new(ledger: RunLedger, date: dt.date, note: str) -> Ran:
    ledger.finish(date, run_ledger.NOTHING_NEW, note=note)
    return Ran(date, run_ledger.NOTHING_NEW, note=note)
