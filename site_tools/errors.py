"""The two ways a tool fails on purpose. serve.py prints the message as one line and exits with status 1."""


class SetupError(Exception):
    """The runtime could not be assembled; the message says what to do."""


class ExportError(Exception):
    """A site or package could not be made; the message says why and what to do."""


def describe_os_error(e, doing="write", target=None, inside=()):
    """One plain line for an OSError from the file system: what could not be done to which path, and why.

    A failure on a file under one of the folders `inside` (a staging folder the author never named) is reported
    as a failure to write `target`, the path the author gave."""
    reason = e.strerror or "the system refused"
    name = e.filename
    if target is not None and (name is None or any(str(name).startswith(str(f)) for f in inside)):
        return f"cannot {doing} {target}: {reason}"
    if target is not None and name is not None and str(name) not in str(target):
        return f"cannot read {name}: {reason}"
    return f"cannot {doing} {name or target}: {reason}" if (name or target) else f"cannot {doing}: {reason}"


def refuse_path_under_a_file(path):
    """A clear error for a path whose folder is really a file (site/notes.txt/out), before anything is written."""
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise ExportError(f"cannot write {path}: {parent} is a file, not a folder")
            return
