"""What lasts between runs: the delivery and run ledgers, locks, and atomic writes.

store        a small SQLite table of JSON records, shared by the ledgers
deliveries   which recipient got which brief: mail is sent at most once
run_ledger   which daily runs ended how, and which articles they briefed
locks        one process at a time on a folder
output       files written whole or not at all

Each name is imported on first use, so importing the package loads none of its modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.lazy import lazy_names

if TYPE_CHECKING:
    from digest.state.deliveries import DeliveryLedger
    from digest.state.locks import file_lock
    from digest.state.output import write_all, write_atomic
    from digest.state.run_ledger import RunLedger
    from digest.state.store import SqliteStore

_LAZY_FROM = {
    "digest.state.deliveries": ("DeliveryLedger",),
    "digest.state.locks": ("file_lock",),
    "digest.state.output": ("write_all", "write_atomic"),
    "digest.state.run_ledger": ("RunLedger",),
    "digest.state.store": ("SqliteStore",),
}
__getattr__ = lazy_names(__name__, _LAZY_FROM, globals())


__all__ = [
    "DeliveryLedger",
    "RunLedger",
    "SqliteStore",
    "file_lock",
    "write_all",
    "write_atomic",
]
