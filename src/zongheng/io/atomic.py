"""Writing a file all at once (原子写入): never a half-written output."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "write_text_atomic"]


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Write a file through ``write(tmp_path)`` to a temporary name, then move it into place.

    A failure leaves no file behind (and an older file untouched); the data are
    flushed to disk (``fsync``) before the move, so a crash right after cannot
    leave an empty file under the final name. The file gets the usual
    permissions for new files (``0666`` less the umask): ``mkstemp`` makes it
    private, but a report is meant to be shared.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    if path.is_symlink():
        # The link is the user's pointer to the real file: replacing the link by a file would
        # leave its target stale (reliability review O_symlink), so the target is written.
        path = Path(os.path.realpath(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent, prefix=".zongheng-")
    except OSError as exc:
        raise _about(exc, path) from exc
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK)
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if exc.filename not in (None, tmp):
            raise  # about another file the writer read: its own name is the right one
        raise _about(exc, path) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _about(exc: OSError, path: Path) -> OSError:
    """Return the error naming the file the user asked for, not the temporary one.

    The temporary name (``.zongheng-x1y2.html``) means nothing to the user. A file standing
    where a folder of the path should be makes ``mkdir`` say "File exists" about that file;
    it is said as "Not a directory" about the output, which is what went wrong.
    """
    if isinstance(exc, FileExistsError) or exc.errno == errno.ENOTDIR:
        return NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return type(exc)(exc.errno, exc.strerror, str(path))


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text all at once (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _read_umask() -> int:
    # Reading the umask means setting it; done once at import, before any thread (a Dask
    # worker, a web server) could create a file meanwhile with the wrong permissions.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()
