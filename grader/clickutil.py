"""What every command module shares: user mistakes shown as one clean line, never a traceback, and
the type of every option that names a file to write."""

from __future__ import annotations

import functools
import os
import sys

import click

from grader.errors import UserError, stop_code, stop_word


class _Failed(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def user_errors(fn=None, *, exit_code: int = 1):
    """Turn UserError (and an OSError reading or writing a file) into ``click.ClickException``: a
    one-line message and exit status ``exit_code`` (1 unless the command keeps 1 for another
    outcome: `ci` exits 1 for a score below --fail-under). Ctrl-C exits 130, as shells expect of
    an interrupted command (click's own "Aborted!" exits 1). Use as ``@user_errors`` or
    ``@user_errors(exit_code=2)``."""
    if fn is None:
        return functools.partial(user_errors, exit_code=exit_code)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as err:
            raise _Failed(str(err), exit_code) from None
        except BrokenPipeError as err:
            if err.filename is not None:  # an output file (a FIFO whose reader left): say so below
                raise _Failed(f"{err.filename}: {err.strerror or err}", exit_code) from None
            # Standard output's reader is gone (`grader grade-all ... | head`): whatever was written
            # to files is written; stop quietly, as a pipe's writer does (128 + SIGPIPE).
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, AttributeError, ValueError):
                pass
            sys.exit(141)
        except OSError as err:  # a full disk, a directory given for a file, a permission: the path and why
            where = f"{err.filename}: " if err.filename is not None else ""
            raise _Failed(f"{where}{err.strerror or err}", exit_code) from None
        except KeyboardInterrupt as err:
            click.echo(stop_word(err), err=True)
            sys.exit(stop_code(err))

    return wrapper


class OutputFile(click.Path):
    """A file a command writes: ``click.Path(dir_okay=False)``, and also refusing a name that ends
    with a slash. To the user ``out/`` is a folder; to ``Path`` it is a file named ``out``, which
    would then be written in place of the folder they meant."""

    def __init__(self, example: str, **kwargs):
        super().__init__(dir_okay=False, **kwargs)
        self.example = example  # a file name to suggest, e.g. results.json

    def convert(self, value, param, ctx):
        text = os.fspath(value)
        if text.endswith(("/", os.sep)) or text.endswith(f"{os.sep}.") or text in (".", ".."):
            self.fail(f"{text!r} names a folder, but this is a file: give the file's name too, such as "
                      f"{text.rstrip('/' + os.sep) or text}{os.sep}{self.example}", param, ctx)
        return super().convert(value, param, ctx)


_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".7z", ".rar")


class InputFolder(click.Path):
    """An existing folder to read (``click.Path(exists=True, file_okay=False)``) whose refusal of an
    archive says to unpack it: an LMS hands submissions out as zips, and click's own wording for
    one is "Directory 'x.zip' is a file"."""

    def __init__(self):
        super().__init__(exists=True, file_okay=False)

    def convert(self, value, param, ctx):
        text = os.fspath(value)
        if os.path.isfile(text) and text.lower().endswith(_ARCHIVES):
            stem = os.path.basename(text)
            for ext in sorted(_ARCHIVES, key=len, reverse=True):
                if stem.lower().endswith(ext):
                    stem = stem[:-len(ext)]
                    break
            how = (f"unzip {text} -d {stem}" if text.lower().endswith(".zip") else
                   f"mkdir {stem} && tar -xf {text} -C {stem}" if ".t" in text.lower()[-8:] else "unpack it")
            self.fail(f"{text!r} is an archive, not a folder: unpack it first ({how}) and give the folder",
                      param, ctx)
        return super().convert(value, param, ctx)


class WholeNumber(click.IntRange):
    """``click.IntRange`` whose refusal of a word says what to give: click's own wording is
    "'abc' is not a valid integer range", as if a range were asked for."""

    name = "integer"


class Percent(click.FloatRange):
    """``click.FloatRange`` from 0 to 100 whose refusal of a word says what to give (click's own
    wording is "'abc' is not a valid float range")."""

    name = "number"

    def __init__(self):
        super().__init__(0, 100)

    def convert(self, value, param, ctx):
        # "50%" is how a threshold is usually written (docs/ci.md calls GRADER_FAIL_UNDER a
        # percentage); refused, every CI run would exit 2, "could not grade".
        if isinstance(value, str) and value.strip().endswith("%"):
            value = value.strip()[:-1].strip()
        return super().convert(value, param, ctx)
