"""One way to write an output file (exports, import error reports), right for every kind
of target a user can name.

- `-` and `/dev/stdout`: standard output, streamed; `/dev/stderr`, `/dev/fd/N`: that
  descriptor, written as it is (a file the shell opened behind it is not replaced).
- A character device, a named pipe (FIFO) or a socket (`/dev/null`, `>(gzip > f.gz)`,
  `mkfifo`): written in place, never replaced.
- A regular file: written to an unnamed temporary file in the same folder (Linux
  `O_TMPFILE`, so even `kill -9` leaves nothing behind), then renamed over the target only
  when the whole output was written. An existing file keeps its permissions (and owner,
  where allowed); a new one gets `0o666 & ~umask`, exactly what the shell's `>` gives.
- A symlink: written through to its target (the link stays a link).
- A directory, a missing folder, a read-only file (even for root), a block device, or a
  file the caller reads from (`protect`: the SQLite database and its -wal/-shm/-journal)
  is refused by `check_target` with one line, before the caller starts any work.

docs/output-files.md describes the same rules for users.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import re
import secrets
import socket
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from didtui.dialect import dialect
from didtui.errors import OutputError
from didtui.models import database_proxy

STDOUT_NAMES = ("-", "/dev/stdout")
_FD_PATH = re.compile(r"/(?:dev|proc/self)/fd/(\d+)")
_STREAM_KINDS = (
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class Target:
    """A checked output target. `kind` is "stdout", "stream" (written in place), "new"
    (a file to create) or "replace" (an existing regular file, replaced whole)."""

    given: str
    kind: str
    what: str
    path: Path | None = None
    mode: int | None = None
    owner: tuple[int, int] | None = None

    @property
    def shown(self) -> str:
        """How to name the target in a message."""
        if self.kind == "stdout":
            return "standard output"
        if self.path is not None and self.kind != "stream" and _through_link(self.given, self.path):
            return f"{self.given} (→ {self.path})"
        return self.given


def _through_link(given: str, path: Path) -> bool:
    """Whether a symlink on the way makes `given` another file than it reads."""
    return Path(os.path.abspath(Path(given).expanduser())) != path


def database_files(url: str) -> list[Path]:
    """The files behind an `sqlite:///path` database URL (none for a server's URL)."""
    if not url.startswith("sqlite:///"):
        return []
    base = url[len("sqlite:///") :].split("?", 1)[0]
    if not base or base == ":memory:":
        return []
    path = Path(base).expanduser()
    return [path, *(Path(f"{path}{suffix}") for suffix in ("-wal", "-shm", "-journal"))]


def open_database_files() -> list[Path]:
    """The files of the open SQLite database (none for a server, or when none is open)."""
    db = database_proxy.obj
    if db is None or not dialect(db).embedded:
        return []
    return database_files(f"sqlite:///{db.database}")


def check_target(given: str | os.PathLike[str], *, protect: Iterable[str | os.PathLike[str]] = ()) -> Target:
    """What writing to `given` would do, or an OutputError saying why it cannot be done.

    Nothing is created or opened: callers check before any query, then `open_output`."""
    text = os.fspath(given)
    if text in STDOUT_NAMES:
        return Target(text, "stdout", "standard output")
    if not text.strip():
        raise OutputError("no output file given: name a file, or - for standard output")
    descriptor = _descriptor(text)
    if descriptor is not None:
        return _descriptor_target(text, descriptor)
    path = Path(text).expanduser()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return _new_file(text, path, protect)
    except NotADirectoryError:
        raise OutputError(f"cannot write {text}: a folder on its path is a file") from None
    except PermissionError:
        raise OutputError(f"cannot write {text}: permission denied (a folder on its path cannot be searched)") from None
    except OSError as exc:
        raise OutputError(f"cannot write {text}: {exc.strerror or exc}") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise OutputError(f"{text} is a directory: give the name of a file inside it")
    for test, what in _STREAM_KINDS:
        if test(mode):
            if not os.access(path, os.W_OK):
                raise OutputError(f"cannot write {text}: permission denied ({what})")
            return Target(text, "stream", what, path)
    if not stat.S_ISREG(mode):
        raise OutputError(f"{text} is a block device or another special file: didtui writes only files and streams")
    real = Path(os.path.realpath(path))
    _refuse_protected(text, real, st, protect)
    if not os.access(real, os.W_OK) or (os.geteuid() == 0 and not mode & 0o222):
        raise OutputError(f"cannot write {text}: the file is read-only (make it writable to replace it)")
    _need_writable_folder(text, real.parent, "replace it whole")
    return Target(text, "replace", "an existing file", real, stat.S_IMODE(mode), (st.st_uid, st.st_gid))


def _descriptor(text: str) -> int | None:
    """The descriptor a name like /dev/fd/3, /proc/self/fd/3 or /dev/stderr stands for."""
    if text == "/dev/stderr":
        return 2
    match = _FD_PATH.fullmatch(text)
    return int(match.group(1)) if match else None


def _descriptor_target(text: str, fd: int) -> Target:
    """A descriptor the shell opened for us (`3> file`, `>(gzip)`, `2> log`): written as it
    is, at its position, whatever it is; a regular file behind it is never replaced."""
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        raise OutputError(f"cannot write {text}: descriptor {fd} is not open") from None
    if flags & os.O_ACCMODE == os.O_RDONLY:
        raise OutputError(f"cannot write {text}: descriptor {fd} is open for reading only")
    return Target(text, "stream", f"descriptor {fd}", Path(text))


def _new_file(text: str, path: Path, protect: Iterable[str | os.PathLike[str]]) -> Target:
    """A file that does not exist yet (or the missing target of a dangling symlink)."""
    real = Path(os.path.realpath(path))
    folder = real.parent
    if not folder.is_dir():
        raise OutputError(f"cannot write {text}: the folder {folder} does not exist")
    _refuse_protected(text, real, None, protect)
    _need_writable_folder(text, folder, "create it")
    return Target(text, "new", "a new file", real, 0o666 & ~_umask())


def _need_writable_folder(text: str, folder: Path, why: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {text}: no permission to create files in {folder} (needed to {why})")


def _refuse_protected(
    text: str, real: Path, st: os.stat_result | None, protect: Iterable[str | os.PathLike[str]]
) -> None:
    for item in protect:
        other = Path(os.path.realpath(os.fspath(item)))
        same = other == real
        if not same and st is not None:
            with contextlib.suppress(OSError):
                same = os.path.samestat(st, os.stat(other))
        if same:
            raise OutputError(f"{text} is {other}, which this command reads from: choose another file")


def _umask() -> int:
    """The process's umask, read without setting it (os.umask would race other threads)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_AT_FDCWD, _AT_EMPTY_PATH = -100, 0x1000
_LINKABLE: dict[int, bool] = {}  # st_dev -> whether an O_TMPFILE file can be linked there


def _unnamed_file(folder: Path) -> int | None:
    """An unnamed file in `folder` that can later be given a name, or None where the file
    system cannot (no O_TMPFILE, or linkat refuses it, as overlayfs may with EXDEV)."""
    device = os.stat(folder).st_dev
    if device not in _LINKABLE:
        probe = _tmpfile(folder)
        works = False
        if probe is not None:
            name = folder / f".didtui-probe.{secrets.token_hex(4)}.tmp"
            try:
                _link(probe, name)
                os.unlink(name)
                works = True
            except OSError:
                pass
            finally:
                os.close(probe)
        _LINKABLE[device] = works
    return _tmpfile(folder) if _LINKABLE[device] else None


def _link(fd: int, name: Path) -> None:
    """Give the unnamed file `fd` the name `name`: linkat through /proc, else (where that
    says EXDEV, as in some VMs and containers) linkat(AT_EMPTY_PATH), which needs root."""
    try:
        os.link(f"/proc/self/fd/{fd}", name, follow_symlinks=True)
        return
    except OSError as first:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.linkat(fd, b"", _AT_FDCWD, os.fsencode(name), _AT_EMPTY_PATH) != 0:
            raise first from None


def _tmpfile(folder: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)  # Linux only
    if flag is None:
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL, errno.ENOENT):
            return None
        raise


class OutputFile:
    """An output being written: `open()` gives the text stream, then `commit()` puts it
    in place (for a file: the atomic rename) or `discard()` drops it (the old file, if
    any, stays as it was and no temporary file is left)."""

    def __init__(self, target: Target, *, encoding: str = "utf-8", wait_for_reader: bool = True) -> None:
        self.target = target
        self.encoding = encoding
        self.wait_for_reader = wait_for_reader
        self.stream: TextIO | None = None
        self._fd: int | None = None
        self._tmp_name: Path | None = None  # set only where O_TMPFILE is unavailable
        self._socket: socket.socket | None = None

    def open(self) -> TextIO:
        target = self.target
        try:
            if target.kind == "stdout":
                self.stream = sys.stdout
            elif target.kind == "stream":
                self.stream = self._open_stream()
            else:
                self.stream = self._open_temporary()
        except OutputError:
            raise
        except OSError as exc:
            raise OutputError(f"cannot write {target.shown}: {exc.strerror or exc}") from None
        return self.stream

    def _text(self, fd: int) -> TextIO:
        return open(fd, "w", encoding=self.encoding, newline="", closefd=True)

    def _open_stream(self) -> TextIO:
        target = self.target
        assert target.path is not None
        descriptor = _descriptor(target.given)
        if descriptor is not None:  # /dev/fd/N (bash's >(...)), /dev/stderr: our own descriptor
            return self._text(os.dup(descriptor))
        if target.what == "a socket":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(str(target.path))
            except OSError:
                sock.close()
                raise
            self._socket = sock
            return self._text(os.dup(sock.fileno()))
        if target.what == "a named pipe" and not self.wait_for_reader:
            try:
                fd = os.open(target.path, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
            except OSError as exc:
                if exc.errno == errno.ENXIO:
                    raise OutputError(
                        f"nothing is reading the named pipe {target.given}: start its reader, then write again"
                    ) from None
                raise
            os.set_blocking(fd, True)
            return self._text(fd)
        return self._text(os.open(target.path, os.O_WRONLY | os.O_CLOEXEC))

    def _open_temporary(self) -> TextIO:
        target = self.target
        assert target.path is not None
        folder = target.path.parent
        fd = _unnamed_file(folder)
        if fd is None:
            # No linkable unnamed files on this file system: a named one, removed on failure.
            name = folder / f".{target.path.name}.{secrets.token_hex(4)}.tmp"
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            self._tmp_name = name
        self._fd = fd
        return self._text(os.dup(fd))

    def commit(self) -> None:
        """Finish the output: flush it and, for a file, rename it over the target."""
        stream, target = self.stream, self.target
        if stream is None:
            raise RuntimeError("commit() before open()")
        try:
            if target.kind == "stdout":
                stream.flush()
                return
            stream.close()
            if target.kind == "stream":
                return
            self._put_in_place()
        except BrokenPipeError:
            self._broken_pipe()
        except OSError as exc:
            self.discard()
            raise OutputError(
                f"cannot write {target.shown}: {exc.strerror or exc}"
                + ("; the old file is unchanged" if target.kind == "replace" else "")
            ) from None
        finally:
            self._release()

    def _put_in_place(self) -> None:
        target, fd = self.target, self._fd
        assert target.path is not None and fd is not None
        os.fsync(fd)
        if target.mode is not None:
            os.fchmod(fd, target.mode)
        if target.owner is not None and os.geteuid() == 0:
            with contextlib.suppress(OSError):
                os.fchown(fd, *target.owner)
        name = self._tmp_name
        if name is None:
            name = target.path.parent / f".{target.path.name}.{secrets.token_hex(4)}.tmp"
            _link(fd, name)
            self._tmp_name = name
        os.replace(name, target.path)
        self._tmp_name = None
        with contextlib.suppress(OSError):  # the rename itself on disk
            folder = os.open(target.path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def discard(self) -> None:
        """Drop the output: nothing replaced, nothing left behind (a stream keeps what it got)."""
        stream = self.stream
        if stream is not None and self.target.kind != "stdout":
            with contextlib.suppress(OSError):
                stream.close()
        elif stream is not None:
            with contextlib.suppress(OSError):
                stream.flush()
        self._release()

    def _release(self) -> None:
        if self._tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp_name)
            self._tmp_name = None
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def _broken_pipe(self) -> None:
        if self.target.kind == "stdout":
            # Python would complain again when it flushes stdout at exit.
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
        raise OutputError(f"{self.target.shown} was closed by its reader before the output ended") from None


@contextlib.contextmanager
def open_output(
    target: Target | str | os.PathLike[str],
    *,
    protect: Iterable[str | os.PathLike[str]] = (),
    encoding: str = "utf-8",
    wait_for_reader: bool = True,
) -> Iterator[TextIO]:
    """A text stream for `target`, committed when the block ends normally and discarded
    if it raises (anything, KeyboardInterrupt included)."""
    checked = target if isinstance(target, Target) else check_target(target, protect=protect)
    output = OutputFile(checked, encoding=encoding, wait_for_reader=wait_for_reader)
    stream = output.open()
    try:
        yield stream
    except BrokenPipeError:
        output.discard()
        output._broken_pipe()
    except OSError as exc:
        output.discard()
        raise OutputError(
            f"cannot write {checked.shown}: {exc.strerror or exc}"
            + ("; the old file is unchanged" if checked.kind == "replace" else "")
        ) from None
    except BaseException:
        output.discard()
        raise
    output.commit()


__all__ = [
    "STDOUT_NAMES",
    "OutputFile",
    "Target",
    "check_target",
    "database_files",
    "open_database_files",
    "open_output",
]
