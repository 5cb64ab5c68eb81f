"""Writing result files so that a crash or kill never leaves half a file behind."""

from __future__ import annotations

import codecs
import os
import stat
import tempfile
from pathlib import Path

from grader.errors import UserError


def _process_umask() -> int:
    # Read once, at import (single-threaded): os.umask can only be read by setting it, and a
    # thread creating a file in that instant would get the temporary mask.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _process_umask()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path`` (over a
    symlink's target; a device or FIFO is written to directly).

    The file gets the mode a plain ``open(path, "w")`` would give it: the existing file's mode when
    it replaces one, else 0666 less the umask (mkstemp alone would make every gradebook 0600).
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        # /dev/null, a FIFO or /dev/fd/N: renamed over, the device itself would be replaced by a
        # regular file (as root, for every program on the machine); such a file is written to.
        with open(path, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        return
    # A symlink is replaced at its target, as a plain write would: the link stays where it was.
    path = Path(os.path.realpath(path)) if path.is_symlink() else path
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_UMASK
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as err:  # name the output asked for, not the hidden temporary file beside it
        err.filename = str(path)
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException as err:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(err, OSError) and err.filename is None:
            err.filename = str(path)  # a full disk fails write() with no file name: say which output it was
        raise


def read_spreadsheet_csv(path: Path, what: str) -> tuple[str, str]:
    """(text, delimiter) of a CSV as spreadsheets save it: UTF-8 with or without a BOM, or UTF-16
    (Excel's "Unicode Text"); comma-separated, or ';' where the decimal mark is a comma, or tabs (the
    header line, which has no comma then, tells which). Unreadable or other encodings: a UserError
    naming the file and saying how to save it."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read the {what} {path}: {err.strerror or err}") from None
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"cannot read the {what} {path}: it is not UTF-8 text; save it as CSV UTF-8 "
                        "(Excel: Save As, 'CSV UTF-8 (Comma delimited)')") from None
    first = text.split("\n", 1)[0]
    return text, next((d for d in ",;\t" if d in first), ",")
