"""Email addresses as digest keys them, and as they are written on the SMTP envelope.

A mailbox is keyed case-insensitively, local part and domain, as mailing-list managers do:
`A@example.org` and `a@example.org` are one reader, sent one copy, in one ledger row.

On the envelope and in headers a non-ASCII domain is written in IDNA (`bücher.de` becomes
`xn--bcher-kva.de`), which every server accepts. A non-ASCII local part (`josé@…`) has no
ASCII form: it can only go to a server that offers SMTPUTF8. Standard library and `idna`.
"""

from __future__ import annotations

from collections.abc import Iterable

import idna


def key(address: str) -> str:
    """What identifies the mailbox: the address, trimmed and lower-cased."""
    return address.strip().lower()


def unique(addresses: Iterable[str]) -> tuple[str, ...]:
    """Each mailbox once, in the first spelling met, in order."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(key(address), address.strip())
    return tuple(seen.values())


def ascii_domain(address: str) -> str:
    """The address with its domain in IDNA; ValueError says why a domain has no such form."""
    local, _, domain = address.strip().rpartition("@")
    if domain.isascii():
        return f"{local}@{domain}"
    try:
        encoded = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"its domain {domain!r} has no IDNA form ({exc})") from exc
    return f"{local}@{encoded}"


def needs_smtputf8(address: str) -> bool:
    """True when the local part is not ASCII: only an SMTPUTF8 server can take it."""
    return not address.strip().rpartition("@")[0].isascii()
