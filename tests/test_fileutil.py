"""Do result files come out whole and with the permissions a plain write would give them?"""

import os
import stat

from grader.fileutil import write_atomic


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_gets_the_umask_mode_not_mkstemps_0600(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    write_atomic(tmp_path / "gradebook.csv", "a,b\n")
    assert (tmp_path / "gradebook.csv").read_text() == "a,b\n"
    assert _mode(tmp_path / "gradebook.csv") == 0o666 & ~umask != 0o600


def test_replacing_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "gradebook.csv"
    path.write_text("old")
    path.chmod(0o664)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and _mode(path) == 0o664
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"], "no temporary file is left behind"


def test_a_full_disk_error_names_the_file_and_leaves_nothing_behind(tmp_path, monkeypatch):
    import errno

    import grader.fileutil as fileutil

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, fd, mode):
            self.fh = real_fdopen(fd, mode)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def fileno(self):
            return self.fh.fileno()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")  # as write() raises it: no file name

    monkeypatch.setattr(fileutil.os, "fdopen", FullDisk)
    path = tmp_path / "gradebook.csv"
    try:
        write_atomic(path, "a,b\n")
    except OSError as err:
        assert err.errno == errno.ENOSPC and err.filename == str(path)
    else:
        raise AssertionError("the write error was swallowed")
    assert list(tmp_path.iterdir()) == []


def test_a_directory_it_cannot_write_in_names_the_file_not_the_temporary_one(tmp_path, monkeypatch):
    # `bundle -o` into a read-only directory said "/ro/.b.tgz.wwaklo3h: Permission denied"
    import tempfile

    import pytest

    def denied(dir, prefix):
        raise PermissionError(13, "Permission denied", os.path.join(dir, prefix + "wwaklo3h"))

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(PermissionError) as err:
        write_atomic(tmp_path / "b.tgz", b"data")
    assert err.value.filename == str(tmp_path / "b.tgz")


def test_a_device_or_pipe_is_written_to_not_replaced(tmp_path):
    """`-o /dev/null` run as root (as in a Gradescope container) must not turn /dev/null into a
    regular file; a FIFO (`-o >(...)`) must get the data, not be swapped for a file."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got = []
    import threading

    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_atomic(fifo, "through the pipe\n")
    reader.join(5)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO is still a FIFO"
    assert [p.name for p in tmp_path.iterdir()] == ["fifo"], "no temporary file is left behind"


def test_a_symlink_is_followed_not_replaced(tmp_path):
    """A gradebook symlinked into a shared folder gets the new grades at its target; the link stays."""
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "gradebook.csv"
    target.write_text("old")
    link = tmp_path / "gradebook.csv"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
