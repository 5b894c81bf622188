"""Errors the CLI and the page turn into one clear line each, with an exit status."""


class KBError(Exception):
    """A failure the user can act on; `exit_code` follows the CLI contract."""

    exit_code = 1


class UsageError(KBError):
    exit_code = 2


class RejectedFile(KBError):
    """A document that cannot be read or parsed; it is reported and skipped."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class KBNotFound(KBError):
    pass


class KBCorrupt(KBError):
    pass


class ModelMismatch(KBError):
    pass


class KBBusy(KBError):
    pass


class DiskFull(KBError):
    """No space left to write a KB file or a model: one line names the folder and its disk
    (`kb.disk.writing`); what was half written is removed."""
