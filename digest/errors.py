"""The one exception tree of digest.

    DigestError                 anything digest reports to a user (exit code 1)
    ├── ConfigError             a profile, config file or setting is wrong or missing
    ├── IngestError             one article could not be read (the run skips it)
    ├── NothingToBriefError     no usable article at all: no brief, no email
    ├── RenderError             a template or the PDF engine failed
    └── MailError               the SMTP server refused or could not be reached

Messages say what went wrong and, where it helps, how to fix it.
"""


class DigestError(Exception):
    """Base class of every error digest reports to its user."""


class ConfigError(DigestError):
    """A profile, config file or setting is invalid or missing."""


class IngestError(DigestError):
    """An article could not be read; the message starts with its file name."""


class NothingToBriefError(DigestError):
    """The input held no usable article."""


class RenderError(DigestError):
    """A template or WeasyPrint failed to produce an output."""


class MailError(DigestError):
    """The brief could not be delivered."""
