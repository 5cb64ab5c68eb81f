"""What every command module shares: user mistakes shown as one clean line, never a traceback."""

from __future__ import annotations

import functools
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
