"""The two ways a tool fails on purpose. serve.py prints the message as one line and exits with status 1."""


class SetupError(Exception):
    """The runtime could not be assembled; the message says what to do."""


class ExportError(Exception):
    """A site or package could not be made; the message says why and what to do."""


def describe_os_error(e, doing="write"):
    """One plain line for an OSError from the file system: what could not be done to which path, and why."""
    where = f" {e.filename}" if e.filename else ""
    reason = e.strerror or "the system refused"
    return f"cannot {doing}{where}: {reason}"
