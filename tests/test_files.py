"""write_atomically: a file is replaced whole or not at all, with an ordinary file's permissions."""

import os

import pytest

from digitnet.files import write_atomically


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"old")

    def half_then_fail(file):
        file.write(b"new, half")
        raise ValueError("the checksum does not match")

    with pytest.raises(ValueError):
        write_atomically(path, half_then_fail)
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["data.bin"]


def test_the_new_file_gets_the_umasks_permissions_not_a_temporary_files(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_atomically(tmp_path / "data.bin", lambda file: file.write(b"whole"))
    finally:
        os.umask(old)
    assert path.read_bytes() == b"whole" and (path.stat().st_mode & 0o777) == 0o644
