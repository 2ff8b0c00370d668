"""The one exception tree of digest.

    DigestError                 anything digest reports to a user (exit code 1)
    ├── ConfigError             a profile, config file or setting is wrong or missing
    ├── IngestError             one article could not be read (the run skips it)
    ├── NothingToBriefError     no usable article at all: no brief, no email
    ├── MissingBriefError       `send` found no brief for its date (it never builds one)
    ├── RenderError             a template or the PDF engine failed
    ├── OutputError             a file cannot be written: read-only or full disk, no folder
    ├── MailError               the SMTP server refused or could not be reached
    │   ├── TransientMailError  a 4xx reply, a dropped connection, a timeout: worth retrying
    │   └── PartialDeliveryError  the brief reached some recipients, not all
    └── RunError                a daily run cannot go ahead: another run holds the lock,
                                or the run ledger in the state folder cannot be used

Messages say what went wrong and, where it helps, how to fix it.
"""

from collections.abc import Mapping


class DigestError(Exception):
    """Base class of every error digest reports to its user."""


class ConfigError(DigestError):
    """A profile, config file or setting is invalid or missing."""


class IngestError(DigestError):
    """An article could not be read; the message starts with its file name."""


class NothingToBriefError(DigestError):
    """The input held no usable article."""


class MissingBriefError(DigestError):
    """The date has no brief to send; the message names the missing file."""


class RenderError(DigestError):
    """A template or WeasyPrint failed to produce an output."""


class MailError(DigestError):
    """The brief could not be delivered; the message quotes what the server answered.

    `outcome_unknown` is true when the connection was lost after the whole message was
    sent but before the server's answer: the server may have accepted it.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class TransientMailError(MailError):
    """A failure that may pass: a 4xx reply, a dropped connection, a timeout."""


class PartialDeliveryError(MailError):
    """The brief reached some recipients; `refused` names the others with the reason."""

    def __init__(
        self,
        message: str,
        *,
        accepted: tuple[str, ...],
        refused: Mapping[str, str],
        message_id: str,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message, outcome_unknown=outcome_unknown)
        self.accepted = accepted
        self.refused = dict(refused)
        self.message_id = message_id


class RunError(DigestError):
    """A daily run cannot go ahead (another run is working, or its ledger is unusable)."""


class OutputError(DigestError):
    """A file could not be written (read-only or full disk, a file where a folder should be)."""
