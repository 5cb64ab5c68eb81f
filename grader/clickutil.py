"""What every command module shares: user mistakes shown as one clean line, never a traceback, and
the type of every option that names a file to write."""

from __future__ import annotations

import functools
import os
import sys

import click

from grader.errors import UserError


def user_errors(fn):
    """Turn UserError (and an OSError reading or writing a file) into ``click.ClickException``: a
    one-line message and exit status 1. Ctrl-C exits 130, as shells expect of an interrupted
    command (click's own "Aborted!" exits 1)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as err:
            raise click.ClickException(str(err)) from None
        except OSError as err:  # a full disk, a directory given for a file, a permission: the path and why
            where = f"{err.filename}: " if err.filename is not None else ""
            raise click.ClickException(f"{where}{err.strerror or err}") from None
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

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
