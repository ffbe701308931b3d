"""Atomic file writes: write to a temporary file (or folder) beside the target, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import OptionError


def _folder_of(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OptionError(f"{target}: folder {folder} does not exist; create it or choose another --output")
    return folder


@contextlib.contextmanager
def atomic_path(path: Any) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; rename it onto ``path`` on success.

    Nothing is left behind when the body raises.  Raises :class:`OptionError`
    when the folder does not exist or cannot be written.
    """
    target = check_target(path)
    folder = _folder_of(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OptionError(f"{target}: cannot write there ({exc.strerror}); choose another --output") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _default_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_target(path: str | os.PathLike) -> Path:
    """``path`` as a Path if a file may be written there: absent, or an existing regular file.

    Raises :class:`OptionError` for an empty name, a directory, a symbolic link,
    a device node, a FIFO or a socket: an atomic write replaces what is there,
    and none of those should be replaced by a regular file.
    """
    if str(path).strip() == "":
        raise OptionError("the output file name is empty; give a file name")
    target = Path(path)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OptionError(f"{target}: cannot write there ({exc.strerror}); choose another file") from None
    if stat.S_ISREG(st.st_mode):
        return target
    what = ("a folder" if stat.S_ISDIR(st.st_mode) else "a symbolic link" if stat.S_ISLNK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
            else "a FIFO" if stat.S_ISFIFO(st.st_mode) else "not a regular file")
    raise OptionError(f"{target} is {what}; qjnet only creates files or replaces regular files: "
                      "choose another file name")


@contextlib.contextmanager
def atomic_dir(path: Any) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it onto ``path`` on success.

    ``path`` must not exist or be an empty folder.  Nothing is left behind when
    the body raises.  Raises :class:`OptionError` when the parent folder does
    not exist or cannot be written.
    """
    target = Path(path)
    folder = _folder_of(target)
    try:
        tmpdir = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=folder))
    except OSError as exc:
        raise OptionError(f"{target}: cannot write there ({exc.strerror}); choose another --output") from None
    tmpdir.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the result is an ordinary folder
    try:
        yield tmpdir
        if target.exists():
            target.rmdir()
        os.replace(tmpdir, target)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _default_mode() -> int:
    """The mode a plainly created file would get (0666 less the umask); mkstemp makes 0600."""
    return 0o666 & ~_umask()


def write_text(path: Any, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding=encoding)


def write_bytes(path: Any, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(data)
