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
