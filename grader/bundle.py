"""The autograder bundle: the hidden material (references, hidden tests, course.yaml) in one file.

Layout of the tar.gz (flat, no top directory)::

    MANIFEST.json          format, course name, assignment ids, sha256 of every other member
    course.yaml
    solutions/<id>/...     every regular file of solutions/<id>/ (reference, hidden tests, helpers)

Archives are reproducible (sorted members, fixed times and owners), so an unchanged course gives
a byte-identical bundle. Opening a bundle never calls ``extractall``: members are read into
memory one by one, and only regular files named in the manifest, with matching checksums and a
safe relative path, are written out.

Encryption (``--encrypt``) uses the ``openssl`` command line (present on GitHub's runners, Debian
and macOS), AES-256-CBC with a PBKDF2-derived key; the passphrase is only ever read from an
environment variable, never from the command line, so it does not show in process listings.
By hand: ``openssl enc -d -aes-256-cbc -pbkdf2 -iter 600000 -md sha256 -pass env:GRADER_BUNDLE_KEY
-in autograder.tar.gz.enc -out autograder.tar.gz``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

import click

from grader.clickutil import OutputFile, user_errors
from grader.course import Course, parse_course
from grader.errors import UserError
from grader.fileutil import write_atomic

FORMAT = "dlcourse-grader-bundle"
VERSION = 1
MANIFEST = "MANIFEST.json"
KEY_ENV = "GRADER_BUNDLE_KEY"
MAX_BYTES = 64 * 1024 * 1024  # a bundle of source files is a few MB at most
_OPENSSL = ["enc", "-aes-256-cbc", "-pbkdf2", "-iter", "600000", "-md", "sha256"]
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def bundle_files(root: Path, course: Course, ids: list[str]) -> dict[str, Path]:
    """Archive name -> source file, for course.yaml and every file under solutions/<id>/."""
    root = Path(root)
    files = {"course.yaml": root / "course.yaml"}
    problems = []
    for aid in ids:
        a = course.assignment(aid)
        folder = root / "solutions" / aid
        if not (folder / f"{a.module}.py").is_file():
            problems.append(f"{aid}: reference solutions/{aid}/{a.module}.py is missing")
        if not list(folder.glob("test_*hidden*.py")):
            problems.append(f"{aid}: no hidden tests (solutions/{aid}/test_*hidden*.py)")
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            rel = path.relative_to(root)
            if any(part in _SKIP for part in rel.parts) or path.suffix == ".pyc":
                continue
            if path.is_symlink():
                problems.append(f"{rel} is a symlink; a bundle holds regular files only")
            elif path.is_file():
                files[rel.as_posix()] = path
    if problems:
        raise UserError("cannot bundle:\n  " + "\n  ".join(problems))
    return files


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def build_bundle(root: Path, course: Course, out: Path, ids: list[str] | None = None,
                 encrypt: bool = False, key_env: str = KEY_ENV) -> dict:
    """Write the bundle of assignments ``ids`` (all by default) to ``out``; returns its manifest."""
    wanted = {course.assignment(aid).id for aid in ids or []}  # an unknown id: a UserError naming the known
    # Course order, each once: the same assignments give the same bytes, however -a lists them.
    ids = [a.id for a in course.assignments if not wanted or a.id in wanted]
    files = bundle_files(root, course, ids)
    key = _passphrase(key_env) if encrypt else None
    contents = {name: path.read_bytes() for name, path in files.items()}
    from grader import __version__

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "course": course.name,
        "grader_version": __version__,
        "assignments": list(ids),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(contents.items())},
    }
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            _add(tar, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode())
            for name in sorted(contents):
                _add(tar, name, contents[name])
    data = raw.getvalue() if key is None else _openssl(raw.getvalue(), key_env, key, decrypt=False)
    out = Path(out)
    if not out.parent.is_dir():
        raise UserError(f"cannot write {out}: directory {out.parent} does not exist")
    write_atomic(out, data)
    return manifest


def _passphrase(key_env: str) -> str:
    key = os.environ.get(key_env, "")
    if not key:
        raise UserError(f"set the environment variable {key_env} to the bundle passphrase "
                        f"(e.g. export {key_env}=\"$(openssl rand -base64 32)\", and store the same value "
                        "as a repository or organization secret)")
    if len(key) < 16:
        raise UserError(f"{key_env} holds a passphrase of {len(key)} characters; use at least 16 "
                        "(e.g. openssl rand -base64 32)")
    return key


def _openssl(data: bytes, key_env: str, key: str, decrypt: bool) -> bytes:
    if shutil.which("openssl") is None:
        raise UserError("the openssl command is not installed (apt-get install openssl); it encrypts and "
                        "decrypts bundles")
    cmd = ["openssl", *_OPENSSL, "-d" if decrypt else "-e", "-salt", "-pass", f"env:{key_env}"]
    proc = subprocess.run(cmd, input=data, capture_output=True, env={**os.environ, key_env: key}, timeout=120)
    if proc.returncode != 0:
        if decrypt:
            raise _wrong_passphrase(key_env)
        raise UserError(f"openssl failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def _wrong_passphrase(key_env: str) -> UserError:
    return UserError(f"cannot decrypt the bundle: wrong passphrase in {key_env}, or not a bundle "
                     "encrypted by `grader bundle --encrypt`")


def is_encrypted(data: bytes) -> bool:
    return data[:8] == b"Salted__"  # openssl enc's header when a salt is used


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and p.as_posix() == name


def read_bundle(path: Path, key_env: str = KEY_ENV) -> tuple[dict, dict[str, bytes]]:
    """(manifest, {name: content}) of a bundle file, checked against its manifest; UserError otherwise."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UserError(f"{path} is larger than {MAX_BYTES // 2**20} MiB; it is not a bundle")
        data = path.read_bytes()
    except OSError as err:
        raise UserError(f"cannot read the bundle {path}: {err.strerror or err}") from None
    encrypted = is_encrypted(data)
    if encrypted:
        data = _openssl(data, key_env, _passphrase(key_env), decrypt=True)
    members: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for info in tar:
                if not info.isfile() or not _safe_name(info.name):
                    raise UserError(f"{path}: member {info.name!r} is not a plain relative file; not a grader bundle")
                if info.name in members:
                    raise UserError(f"{path}: member {info.name!r} appears twice")
                total += info.size
                if total > 4 * MAX_BYTES:  # a gzip bomb, not a bundle of source files
                    raise UserError(f"{path} unpacks to more than {4 * MAX_BYTES // 2**20} MiB; not a grader bundle")
                members[info.name] = tar.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError, gzip.BadGzipFile, zlib.error) as err:
        if encrypted:
            # AES-CBC is not authenticated: about 1 wrong passphrase in 256 still ends in valid padding,
            # so openssl succeeds and hands back noise. That is a wrong passphrase, not a damaged bundle.
            raise _wrong_passphrase(key_env) from None
        raise UserError(f"{path} is not a readable tar.gz bundle ({err})") from None
    try:
        manifest = json.loads(members.pop(MANIFEST))
    except (KeyError, ValueError):
        raise UserError(f"{path} has no valid {MANIFEST}; build bundles with `grader bundle`") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise UserError(f"{path}: unsupported bundle format {manifest.get('format')!r} version {manifest.get('version')!r}")
    expected = manifest.get("files", {})
    if set(expected) != set(members):
        extra = sorted(set(members) ^ set(expected))
        raise UserError(f"{path}: files differ from the manifest ({', '.join(extra[:5])}); the bundle was altered")
    for name, content in members.items():
        if hashlib.sha256(content).hexdigest() != expected[name]:
            raise UserError(f"{path}: checksum mismatch for {name}; the bundle was altered or damaged")
    return manifest, members


def open_bundle(path: Path, dest: Path, key_env: str = KEY_ENV) -> tuple[Path, Course, list[str]]:
    """Check and unpack the bundle into the empty directory ``dest``.

    Returns (course root, course, assignment ids in the bundle); the course comes from the bundle's
    course.yaml, never from the checkout being graded.
    """
    manifest, members = read_bundle(path, key_env)
    dest = Path(dest)
    for name, content in members.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    course = parse_course(members["course.yaml"].decode("utf-8"), f"{path}:course.yaml")
    ids = [course.assignment(i).id for i in manifest.get("assignments", [])]
    return dest, course, ids


def unpack_outside(path: Path, forbidden: list[Path], key_env: str = KEY_ENV,
                   parent: str | None = None) -> tuple[Path, Path, Course, list[str]]:
    """Unpack the bundle into a fresh temporary directory that lies outside every ``forbidden`` path.

    Returns (temporary directory to remove afterwards, course root, course, ids).
    """
    tmp = Path(tempfile.mkdtemp(prefix="grader-bundle-", dir=parent)).resolve()
    for f in forbidden:
        if tmp.is_relative_to(Path(f).resolve()):
            shutil.rmtree(tmp, ignore_errors=True)
            raise UserError(f"the temporary directory {tmp} lies inside {f}; set TMPDIR (or RUNNER_TEMP) "
                            "to a directory outside the checkout")
    try:
        root, course, ids = open_bundle(path, tmp, key_env)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp, root, course, ids


# -- command line ----------------------------------------------------------------------------------

@click.command("bundle")
@click.option("-a", "--assignment", "ids", multiple=True, metavar="ID",
              help="Bundle only this assignment (repeatable; default: all). Bundle only what is released.")
@click.option("-o", "--output", "out", type=OutputFile("autograder.tar.gz"), default=None,
              help="Bundle file [default: autograder.tar.gz, or autograder.tar.gz.enc with --encrypt].")
@click.option("--encrypt", is_flag=True,
              help="Encrypt with openssl, using the passphrase in $GRADER_BUNDLE_KEY "
                   "(or the variable --key-env names).")
@click.option("--key-env", default=KEY_ENV, show_default=True, metavar="NAME",
              help="Environment variable holding the passphrase.")
@click.pass_obj
@user_errors
def bundle_command(obj, ids: tuple[str, ...], out: str | None, encrypt: bool, key_env: str) -> None:
    """Pack the references, hidden tests and course.yaml into one file for CI or Gradescope.

    The bundle is secret: keep it in a private repository, or encrypt it (see docs/ci.md).
    """
    out = out or ("autograder.tar.gz.enc" if encrypt else "autograder.tar.gz")
    if out.endswith(".enc") and not encrypt:
        # the name tells whoever finds the file that it is safe to publish: it must not lie
        raise UserError(f"{out} is named as an encrypted bundle, but --encrypt was not given: add --encrypt, "
                        "or choose a name without .enc")
    if out.lower().endswith(".zip"):
        raise UserError(f"a bundle is a gzip-compressed tar, not a zip: name it e.g. autograder.tar.gz (got {out}); "
                        "for Gradescope's autograder zip, use `grader gradescope build`")
    from grader.cli import check_not_source, check_writable

    check_writable(Path(out))  # before the work, naming the file asked for
    check_not_source(Path(out), obj.root)
    manifest = build_bundle(obj.root, obj.course, Path(out), list(ids) or None, encrypt, key_env)
    digest = hashlib.sha256(Path(out).read_bytes()).hexdigest()
    click.echo(f"wrote {out}: {len(manifest['assignments'])} assignment(s), {len(manifest['files'])} files"
               f"{', encrypted' if encrypt else ''}; sha256 {digest}")
