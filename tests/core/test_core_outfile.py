"""core/outfile.py on every kind of target a user can name, each test checking what is
left on disk afterwards (issue 15). No database: the rules are the file system's."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from didtui.core import outfile
from didtui.core.outfile import check_target, database_files, open_output
from didtui.errors import OutputError

ROOT = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0


@contextlib.contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def write(target, text: str = "a,b\r\n", **options) -> None:
    with open_output(target, **options) as out:
        out.write(text)


def test_a_new_file_gets_the_umask_and_nothing_else_is_left(tmp_path):
    with umask(0o027):
        write(tmp_path / "new.csv")
    assert listing(tmp_path) == ["new.csv"]
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o640
    assert (tmp_path / "new.csv").read_bytes() == b"a,b\r\n"
    with umask(0o077):
        write(tmp_path / "private.csv")
    assert stat.S_IMODE((tmp_path / "private.csv").stat().st_mode) == 0o600


def test_an_existing_file_is_replaced_whole_keeping_its_permissions(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    path.chmod(0o604)
    write(path, "new\n")
    assert path.read_text() == "new\n" and stat.S_IMODE(path.stat().st_mode) == 0o604
    assert listing(tmp_path) == ["out.csv"]


@pytest.mark.parametrize("existing", [True, False])
def test_a_failure_while_writing_leaves_the_old_file_and_no_temporary(tmp_path, existing):
    path = tmp_path / "out.csv"
    if existing:
        path.write_text("old\n")
    with pytest.raises(RuntimeError), open_output(path) as out:
        out.write("partial\n" * 1000)
        out.flush()
        raise RuntimeError("a database error in the middle")
    assert listing(tmp_path) == (["out.csv"] if existing else [])
    if existing:
        assert path.read_text() == "old\n"
    expected = "No space left on device; the old file is unchanged" if existing else "No space left on device$"
    with pytest.raises(OutputError, match=expected), open_output(path) as out:
        out.write("partial\n")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert listing(tmp_path) == (["out.csv"] if existing else [])


@pytest.mark.skipif(not IS_ROOT, reason="mounting a tmpfs needs root")
def test_a_full_disk_leaves_the_old_file_and_frees_the_space(tmp_path):
    disk = tmp_path / "small"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = disk / "out.csv"
        path.write_text("old\n")
        free = os.statvfs(disk).f_bfree
        with pytest.raises(OutputError, match="No space left on device; the old file is unchanged"):
            write(path, "x" * 200_000)
        assert listing(disk) == ["out.csv"] and path.read_text() == "old\n"
        assert os.statvfs(disk).f_bfree == free
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_kill_9_in_the_middle_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    code = (
        "import sys, time\n"
        "from didtui.core.outfile import open_output\n"
        f"with open_output({str(path)!r}) as out:\n"
        "    out.write('partial\\n' * 100000); out.flush()\n"
        "    print('writing', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert listing(tmp_path) == ["out.csv"] and path.read_text() == "old\n"


def test_a_fifo_is_written_in_place_for_its_reader(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert check_target(fifo).kind == "stream"
    write(fifo, "1,2\r\n" * 10_000)
    reader.join(timeout=30)
    assert got == [b"1,2\r\n" * 10_000]
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and listing(tmp_path) == ["pipe"]


def test_a_fifo_without_reader_is_refused_when_asked_not_to_wait(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError, match="nothing is reading the named pipe"):
        write(fifo, wait_for_reader=False)
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_dev_fd_pipe_as_bash_process_substitution_gives_it(tmp_path):
    read_end, write_end = os.pipe()
    try:
        write(f"/dev/fd/{write_end}", "x,y\r\n")
        os.close(write_end)
        write_end = -1
        assert os.read(read_end, 100) == b"x,y\r\n"
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)


@pytest.mark.skipif(not IS_ROOT, reason="os.mknod of a character device needs root")
def test_a_character_device_is_written_in_place_never_replaced(tmp_path):
    null = tmp_path / "null"
    os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a copy of /dev/null
    before = null.lstat()
    write(null, "a" * 100_000)
    after = null.lstat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert listing(tmp_path) == ["null"]


def test_a_unix_socket_is_connected_and_written(tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    got: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
            got.append(data)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        write(path, "s,t\r\n" * 1000)
        thread.join(timeout=30)
    finally:
        server.close()
    assert got == [b"s,t\r\n" * 1000] and stat.S_ISSOCK(path.lstat().st_mode)


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    target = check_target(link)
    assert target.kind == "replace" and target.path == real and "→" in target.shown
    write(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new\n" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert listing(real.parent) == ["real.csv"] and listing(tmp_path) == ["data", "link.csv"]
    # A dangling link: its target is created.
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "data" / "later.csv")
    write(dangling, "later\n")
    assert dangling.is_symlink() and (tmp_path / "data" / "later.csv").read_text() == "later\n"


def test_a_read_only_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "ro.csv"
    path.write_text("keep\n")
    path.chmod(0o444)
    with pytest.raises(OutputError, match="read-only"):
        check_target(path)
    with pytest.raises(OutputError, match="read-only"):
        write(path)
    assert path.read_text() == "keep\n" and listing(tmp_path) == ["ro.csv"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing/out.csv", "the folder .* does not exist"),
        ("folder", "is a directory"),
        ("plain.txt/out.csv", "a folder on its path is a file"),
        ("", "no output file given"),
    ],
)
def test_unusable_targets_are_one_line_errors(tmp_path, name, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "plain.txt").write_text("x")
    before = listing(tmp_path)
    target = str(tmp_path / name) if name else ""
    with pytest.raises(OutputError, match=message) as caught:
        check_target(target)
    assert "\n" not in str(caught.value)
    assert listing(tmp_path) == before


def test_the_database_and_its_side_files_are_refused(tmp_path):
    db = tmp_path / "didtui.db"
    db.write_bytes(b"SQLite format 3\x00")
    hard = tmp_path / "hardlink.db"
    os.link(db, hard)
    protect = database_files(f"sqlite:///{db}")
    for name in ("didtui.db", "didtui.db-wal", "didtui.db-shm", "hardlink.db"):
        with pytest.raises(OutputError, match="which this command reads from"):
            check_target(tmp_path / name, protect=protect)
    link = tmp_path / "innocent.csv"
    link.symlink_to(db)
    with pytest.raises(OutputError, match="which this command reads from"):
        check_target(link, protect=protect)
    assert db.read_bytes() == b"SQLite format 3\x00"
    assert database_files("postgresql://u@h/db") == [] and database_files("sqlite:///:memory:") == []


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_standard_output_in_a_subprocess_is_streamed_not_replaced(tmp_path, name):
    out = tmp_path / "captured.csv"
    out.write_text("")
    inode = out.stat().st_ino
    code = f"from didtui.core.outfile import open_output\nwith open_output({name!r}) as o:\n    o.write('a,b\\r\\n')\n"
    with out.open("w") as handle:
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, stdout=handle, check=True)
    assert out.read_bytes() == b"a,b\r\n" and out.stat().st_ino == inode
    assert listing(tmp_path) == ["captured.csv"]


def test_a_closed_standard_output_is_one_line_not_a_traceback(tmp_path):
    code = (
        "from didtui.core.outfile import open_output\n"
        "from didtui.errors import OutputError\n"
        "try:\n"
        "    with open_output('-') as o:\n"
        "        for _ in range(100000): o.write('a,b,c,d,e\\r\\n')\n"
        "except OutputError as exc:\n"
        "    import sys; print(exc, file=sys.stderr); sys.exit(2)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    child.stdout.read(10)
    child.stdout.close()
    err = child.stderr.read()
    assert child.wait(timeout=30) == 2
    assert err.strip() == "standard output was closed by its reader before the output ended"


def test_a_relative_name_is_shown_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_target("out.csv").shown == "out.csv"
    (tmp_path / "real.csv").write_text("")
    (tmp_path / "link.csv").symlink_to("real.csv")
    assert check_target("link.csv").shown == f"link.csv (→ {tmp_path / 'real.csv'})"


def test_without_unnamed_files_a_hidden_temporary_is_used_and_cleaned(tmp_path, monkeypatch):
    monkeypatch.setattr(outfile, "_tmpfile", lambda folder: None)
    monkeypatch.setattr(outfile, "_LINKABLE", {})  # the probe's verdict must not outlive the test
    path = tmp_path / "out.csv"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), open_output(path) as out:
        out.write("partial\n")
        assert len(listing(tmp_path)) == 2  # the hidden temporary beside it
        raise RuntimeError("failed")
    assert listing(tmp_path) == ["out.csv"] and path.read_text() == "old\n"
    write(path, "new\n")
    assert listing(tmp_path) == ["out.csv"] and path.read_text() == "new\n"


def test_a_descriptor_the_shell_opened_is_written_in_place(tmp_path):
    out = tmp_path / "log.txt"
    out.write_text("")
    inode = out.stat().st_ino
    code = (
        "from didtui.core.outfile import check_target, open_output\n"
        "assert check_target('/dev/stderr').kind == 'stream'\n"
        "with open_output('/dev/stderr') as o:\n    o.write('to stderr\\n')\n"
        "with open_output('/dev/fd/3') as o:\n    o.write('to three\\n')\n"
    )
    three = tmp_path / "three.txt"
    # As a shell sets it up: `didtui export -o /dev/fd/3 3> three.txt 2>> log.txt`.
    subprocess.run(
        ["bash", "-c", 'exec "$0" -c "$1" 3> "$2" 2>> "$3"', sys.executable, code, str(three), str(out)],
        cwd=ROOT,
        check=True,
    )
    assert out.read_text() == "to stderr\n" and out.stat().st_ino == inode
    assert three.read_text() == "to three\n"
    assert sorted(listing(tmp_path)) == ["log.txt", "three.txt"]


def test_a_closed_or_read_only_descriptor_is_refused():
    read_end, write_end = os.pipe()
    os.close(write_end)
    try:
        with pytest.raises(OutputError, match="open for reading only"):
            check_target(f"/dev/fd/{read_end}")
    finally:
        os.close(read_end)
    with pytest.raises(OutputError, match="is not open"):
        check_target(f"/dev/fd/{write_end}")
