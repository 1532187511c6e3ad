"""Writing outputs so that a failure leaves the previous outputs untouched.

Files are staged (written and fsynced) in a private temporary directory inside the output directory,
target by target as they are compiled (`Stager`), and renamed into place only once every target
compiled and passed; otherwise the staging directory is removed and nothing of the outputs changes.
Files that replace or join existing outputs are renamed one at a time (each rename is atomic); a
top-level directory the outputs do not have yet (`dev/` in a first compile) is staged whole and moved
in with one rename. Files holding a literal secret are created with mode 0600.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import re
import shutil
import stat
import struct
import sys
import tempfile
from pathlib import Path

from compiler.errors import UsageError
from compiler.records import record


def check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a directory")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        raise UsageError(f"--out {out}: {probe} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {probe} is not writable")


def write_outputs(out: Path, outputs: dict[str, dict[str, str]], secret_files: set[str]) -> list[Path]:
    """`outputs` maps a target's sub-directory (e.g. `prod/eu1`) to its files' contents.

    A failure (a file or directory in the way, a full disk, a read-only place) puts back every file
    already replaced, so the previous outputs are left as they were; it is reported as a usage error."""
    stager = Stager(out)
    try:
        for subdir, files in outputs.items():
            stager.add(subdir, files, secret_files)
    except BaseException:
        stager.discard()
        raise
    return stager.commit()


def _cannot_write(out: Path, exc: OSError) -> UsageError:
    where = f" ({exc.filename})" if exc.filename else ""
    return UsageError(
        f"cannot write under --out {out}: {exc.strerror or exc}{where}; the previous outputs are untouched"
    )


@record
class Staged:
    """One target's staged files: those already in place, (staged, final) pairs to rename at commit, and
    (staged, final) pairs under a new top-level directory, which moves in whole."""

    written: list[Path]
    moves: list[tuple[Path, Path]]
    placed: list[tuple[str, str]]


class Stager:
    """Outputs written in two steps: `add` stages a target's files in a hidden directory inside the outputs (invisible
    to their readers), `commit` puts every staged file on disk and renames each into place, or `discard`
    drops them all, the outputs untouched.

    Creating a file costs the kernel about half a millisecond, more than rendering it: where there is fork, a
    child process creates the staged files while kkc compiles the next targets (the parent only streams it
    the bytes through a pipe), so `compile --all --out` does not wait for them one by one."""

    def __init__(self, out: Path, in_child: bool = True) -> None:
        """`in_child` False: the files are created by the caller's processes (--jobs workers: see `adopt`)."""
        check_out_dir(out)
        self.out = out
        self.written: list[Path] = []  # already in place: not rewritten (issue 16)
        self.moves: list[tuple[Path, Path]] = []
        self.placed: list[tuple[str, str]] = []  # staged under tree/, in their final layout
        self._absent: dict[str, bool] = {}  # top-level directory -> the outputs do not have it
        self._checked: set[Path] = set()  # directories probed: once each, not once per file
        self._made_dirs: set[str] = set()  # staging directories made (_create)
        self._child: _Child | None = None
        self._made = [p for p in (out, *out.parents) if not p.exists()]  # removed again by discard
        try:
            out.mkdir(parents=True, exist_ok=True)
            _remove_abandoned(out)
            self.staging = Path(tempfile.mkdtemp(prefix=f".kkc-{os.getpid()}-", dir=out))
        except OSError as exc:
            raise _cannot_write(out, exc) from None
        self._tree = self.staging / "tree"
        self._root, self._out = str(self.staging), os.path.join(out, "")  # "out/": the finals' prefix
        in_child = in_child and STAGE_IN_CHILD
        self._synced = in_child  # the child puts each file on disk as it writes it
        self._names = itertools.count()
        if in_child:
            self._child = _Child(self.staging)

    def add(self, subdir: str, files: dict[str, str], secret_files: set[str]) -> Staged:
        """Stage one target's files (names under `subdir`); `secret_files` (paths under the outputs) get 0600.
        Gives what was staged, for `adopt` when a worker process staged them (--jobs)."""
        written, moves, placed = len(self.written), len(self.moves), len(self.placed)
        self._add(subdir, files, secret_files)
        return Staged(self.written[written:], self.moves[moves:], self.placed[placed:])

    def adopt(self, staged: Staged) -> None:
        """Files a worker process staged, as if `add` had staged them here (put on disk at commit)."""
        self.written.extend(staged.written)
        self.moves.extend(staged.moves)
        self.placed.extend(staged.placed)

    def _new_top(self, top: str) -> bool:
        """The outputs have nothing at `top` yet: its files are staged in their final layout (decided once)."""
        if top not in self._absent:
            self._absent[top] = top not in ("", ".", "..") and not os.path.lexists(self.out / top)
        return self._absent[top]

    def _add(self, subdir: str, files: dict[str, str], secret_files: set[str]) -> None:
        base = Path(subdir)
        if base.parts and self._new_top(base.parts[0]):
            self._add_whole(base, files, secret_files)
            return
        for name, text in files.items():
            rel = base / name
            final = self.out / rel
            mode = _mode(str(rel), secret_files)
            data = text.encode("utf-8")
            _refuse_in_the_way(self.out, rel, self._checked)
            if _unchanged(final, data, mode):
                self.written.append(final)
                continue
            # Staged side by side in one directory, under short names: this process's id and a count (moves
            # maps each to its output).
            staged = f"new/{os.getpid()}.{next(self._names)}"
            self._stage(staged, self.staging / staged, mode, data)
            self.moves.append((self.staging / staged, final))

    def _add_whole(self, base: Path, files: dict[str, str], secret_files: set[str]) -> None:
        """Files under a top-level directory the outputs lack: staged in their final layout under tree/, with
        nothing to compare with or in the way (str paths: pathlib was most of staging's own time)."""
        under = str(base)
        for name, text in files.items():
            rel = os.path.join(under, name)
            mode = _mode(rel, secret_files)
            staged = os.path.join("tree", rel)
            temp = os.path.join(self._root, staged)
            self._stage(staged, temp, mode, text.encode("utf-8"), again=True)
            self.placed.append((temp, self._out + rel))

    def _stage(self, rel: str, temp: str | Path, mode: int, data: bytes, again: bool = False) -> None:
        """Create `temp` (`rel` under the staging directory): through the child where there is one. `again`:
        a file already there is an earlier try's (a worker killed when forking failed part-way): replaced."""
        try:
            if self._child is not None:
                self._child.send(rel, mode, data)
            else:
                _create(temp, mode, data, self._made_dirs, again)
        except OSError as exc:  # the child is gone, or the file system refused
            raise _cannot_write(self.out, exc) from None

    def commit(self) -> list[Path]:
        """Every staged file on disk, then renamed into place; on a failure every replaced file is put back."""
        try:
            if self._child is not None:
                child, self._child = self._child, None
                child.finish()
            if not self._synced:
                _sync_all([Path(temp) for temp, _ in self.placed] + [temp for temp, _ in self.moves])
            start = len(self._out)
            tops = sorted({final[start:].split(os.sep, 1)[0] for _, final in self.placed})
            _move_in(self._tree, tops, self.out)
            try:
                _move_all(self.moves, self.staging / "old", self.out)
            except BaseException:
                _move_out(self._tree, tops, self.out)
                raise
        except OSError as exc:
            self.discard()
            raise _cannot_write(self.out, exc) from None
        except BaseException:
            self.discard()
            raise
        shutil.rmtree(self.staging, ignore_errors=True)
        return self.written + [Path(final) for _, final in self.placed] + [final for _, final in self.moves]

    def discard(self) -> None:
        """Drop what was staged; the outputs are untouched (a directory made for them is removed again)."""
        if self._child is not None:
            child, self._child = self._child, None
            with contextlib.suppress(OSError):
                child.finish()
        shutil.rmtree(self.staging, ignore_errors=True)
        for directory in self._made:
            with contextlib.suppress(OSError):
                directory.rmdir()


def _mode(rel: str, secret_files: set[str]) -> int:
    """An output file's mode: 0600 when it holds a literal secret, 0755 for a script, else 0644."""
    return 0o600 if rel in secret_files else 0o755 if rel.endswith(".sh") else 0o644


def _create(path: str | Path, mode: int, data: bytes, made: set[str], replace: bool = False) -> None:
    """A new file holding `data` with exactly `mode`; its directory made first (`made`: those made already).
    `replace`: a file already there is removed first (never one of the outputs: a staged file)."""
    parent = os.path.dirname(path)
    if parent not in made:
        os.makedirs(parent, exist_ok=True)
        made.add(parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        if not replace:
            raise
        os.unlink(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)  # the umask, or a directory's default ACL, may have narrowed it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


# Staged files are created by a forked child process where there is fork (tests turn it off to watch the
# parent's fsyncs).
STAGE_IN_CHILD = hasattr(os, "fork")
_HEAD = struct.Struct("<HII")  # mode, length of the relative path, length of the contents


class _Child:
    """A forked process that creates and fsyncs the staged files the parent streams to it: (mode, path,
    bytes) frames.
    Its first error (errno, message, file) comes back through a second pipe; it then reads and drops the
    rest, so the parent never blocks."""

    def __init__(self, root: Path) -> None:
        frames, self._feed = os.pipe()
        with contextlib.suppress(ImportError, OSError, AttributeError):
            import fcntl  # Linux: a pipe of 1 MiB (F_SETPIPE_SZ), so the parent seldom waits for the child

            fcntl.fcntl(self._feed, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
        self._errors, report = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: create files until the feed ends, then leave without any clean-up
            code = 1
            try:
                os.close(self._feed)
                os.close(self._errors)
                _serve(root, frames, report)
                code = 0
            finally:
                os._exit(code)
        os.close(frames)
        os.close(report)
        self._pipe = os.fdopen(self._feed, "wb", buffering=1 << 16)

    def send(self, rel: str, mode: int, data: bytes) -> None:
        name = rel.encode("utf-8", "surrogateescape")
        self._pipe.write(_HEAD.pack(mode, len(name), len(data)))
        self._pipe.write(name)
        self._pipe.write(data)

    def finish(self) -> None:
        """Wait for every file sent; an error the child met is raised here, as the OSError it was."""
        try:
            self._pipe.close()
        finally:
            status = os.waitpid(self.pid, 0)[1]
            with os.fdopen(self._errors, "rb") as errors:
                said = errors.read()
        if said:
            number, message, filename = said.decode("utf-8", "surrogateescape").split("\0", 2)
            raise OSError(int(number), message, filename or None)
        if status != 0:
            raise OSError(0, f"the process writing the staged files ended with status {status}")


def _serve(root: Path, frames: int, report: int) -> None:
    """The child's work: create each file framed on `frames`; fsync them side by side, as they come (each fsync
    waits for a journal commit; several at once share one); report the first error on `report`."""
    from concurrent.futures import Future, ThreadPoolExecutor

    made: set[str] = set()
    syncs: list[Future[None]] = []
    error: OSError | None = None
    parent = os.getppid()
    with ThreadPoolExecutor(max_workers=16) as pool, os.fdopen(frames, "rb", buffering=1 << 16) as feed:
        while head := feed.read(_HEAD.size):
            mode, size, length = _HEAD.unpack(head)
            rel = feed.read(size).decode("utf-8", "surrogateescape")
            data = feed.read(length)
            if os.getppid() != parent:
                os._exit(0)  # kkc was killed: its next run removes the staging directory
            if error is not None:
                continue
            try:
                _create(root / rel, mode, data, made)
            except OSError as exc:
                error = exc
                continue
            syncs.append(pool.submit(_sync, root / rel))
        for sync in syncs:
            found = sync.exception()
            if error is None and isinstance(found, OSError):
                error = found
    if error is not None:
        text = f"{error.errno or 0}\0{error.strerror or error}\0{error.filename or ''}"
        os.write(report, text.encode("utf-8", "surrogateescape"))
    os.close(report)


def _unchanged(final: Path, data: bytes, mode: int) -> bool:
    """The file already holds exactly these bytes with this mode (a regular file, not a link); a directory
    there is refused."""
    try:
        info = os.lstat(final)
    except OSError:
        return False
    if stat.S_ISDIR(info.st_mode) or (stat.S_ISLNK(info.st_mode) and final.is_dir()):
        raise UsageError(f"cannot write {final}: a directory is in the way; nothing written")
    if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != mode or info.st_size != len(data):
        return False
    try:
        return final.read_bytes() == data
    except OSError:
        return False


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_all(paths: list[Path]) -> None:
    """Every staged file on disk before any is renamed into place. On Linux one syncfs(2) of the staging
    directory's file system does it: one journal commit instead of one per file (per-file fsyncs were
    most of `compile --all --out`). Elsewhere, or when syncfs fails, each file is fsynced; side by side,
    since one after the other each waits for its own journal commit."""
    if not paths:
        return
    if _syncfs(paths[0].parent):
        return
    if len(paths) < 8:
        for path in paths:
            _sync(path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in pool.map(_sync, paths):
            pass


def _kernel() -> tuple[int, int]:
    found = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def _syncfs(directory: Path) -> bool:
    """syncfs(2) on the file system holding `directory`; False where there is none (not Linux) or it failed."""
    if not sys.platform.startswith("linux") or _kernel() < (5, 8):
        return False  # before 5.8, syncfs does not report a writeback error: fsync each file instead
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError, ImportError):
        return False
    fd = os.open(directory, os.O_RDONLY)
    try:
        return bool(syncfs(fd) == 0)
    finally:
        os.close(fd)


def _remove_abandoned(out: Path) -> None:
    """Staging directories a killed kkc left behind (their process is gone); never another run's."""
    for staging in out.glob(".kkc-*-*"):
        pid = staging.name.split("-")[1]
        if not pid.isdigit() or not staging.is_dir():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(staging, ignore_errors=True)
        except OSError:
            continue  # alive, owned by another user


def _refuse_in_the_way(out: Path, rel: Path, checked: set[Path]) -> None:
    """A file where a directory must go: refused before writing (a directory where a file must go: _unchanged)."""
    probe = out
    for part in rel.parts[:-1]:
        probe = probe / part
        if probe in checked:
            continue
        checked.add(probe)
        if probe.exists() and not probe.is_dir():
            raise UsageError(f"cannot write {out / rel}: {probe} is a file, not a directory; nothing written")


def _move_in(tree: Path, tops: list[str], out: Path) -> None:
    """Rename each staged top-level directory into the outputs, where none was; on a failure (something
    found there now) move back those already in."""
    done: list[str] = []
    try:
        for top in tops:
            if os.path.lexists(out / top):
                raise OSError(errno.EEXIST, "File exists", str(out / top))  # a rename would replace an empty one
            os.replace(tree / top, out / top)
            done.append(top)
    except BaseException:
        _move_out(tree, done, out)
        raise


def _move_out(tree: Path, tops: list[str], out: Path) -> None:
    """Move top-level directories moved in back out; one that cannot be is an error naming it (the outputs
    are then not as they were)."""
    stuck = []
    for top in reversed(tops):
        try:
            os.replace(out / top, tree / top)
        except OSError:
            stuck.append(str(out / top))
    if stuck:
        raise UsageError(
            f"cannot write under --out {out}, and could not take back what was moved in: remove "
            f"{', '.join(stuck)} (written by this run) before running kkc again"
        )


def _move_all(moves: list[tuple[Path, Path]], backups: Path, out: Path) -> None:
    """Rename each file into place (atomic per file); on any failure put every replaced file back."""
    done: list[tuple[str, Path | None]] = []
    created: list[str] = []
    present = {os.fspath(out)}  # directories known to exist (out itself was made by the Stager)
    fresh: set[str] = set()  # directories made here: nothing in them to back up
    try:
        for temp, final in moves:
            target = os.fspath(final)
            parent = os.path.dirname(target)
            if parent not in present:
                missing: list[str] = []  # the directories to make, deepest first; those above exist
                probe = parent
                while probe and probe not in present and not os.path.isdir(probe):
                    missing.append(probe)
                    up = os.path.dirname(probe)
                    if up == probe:  # the root: nothing above to make
                        break
                    probe = up
                for directory in reversed(missing):
                    try:
                        os.mkdir(directory)
                    except FileExistsError:
                        if not os.path.isdir(directory):
                            raise
                        continue  # made by someone else meanwhile: not ours to remove
                    created.append(directory)
                present.update(missing)
                present.add(parent)
                if missing:
                    fresh.add(parent)
            backup = None
            if parent not in fresh and os.path.exists(target):
                backup = backups / final.relative_to(out)
                backup.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(target, backup)  # the old file stays reachable until the new one is in place
                except OSError:
                    shutil.copy2(target, backup)  # a file system without hard links
            os.replace(temp, target)
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    os.unlink(target)
                else:
                    os.replace(backup, target)
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                os.rmdir(directory)
        raise


def stale_outputs(
    out: Path, outputs: dict[str, dict[str, str]], every_target: bool = True, context_lines: int = 12
) -> list[str]:
    """One line per stale, missing or extra file under `out`, with a short diff for stale ones.

    Extra files are looked for in all of `out` when every target was compiled, else only in the
    compiled targets' own directories.
    """
    import difflib

    from compiler.emit import EMITTERS

    expected = {
        (Path(subdir) / name).as_posix(): text for subdir, files in outputs.items() for name, text in files.items()
    }
    present = set()
    if out.is_dir():
        for path in out.rglob("*"):
            rel_path = path.relative_to(out)
            if not path.is_file() or any(part.startswith(".") for part in rel_path.parts):
                continue
            if every_target or rel_path.parent.as_posix() in outputs:
                present.add(rel_path.as_posix())
    problems = []
    for rel in sorted(set(expected) | present):
        shown = (out / rel).as_posix()
        if rel not in present:
            problems.append(f"missing: {shown}")
        elif rel not in expected:
            emitter = next((name for name, (file, _) in EMITTERS.items() if Path(rel).name == file), None)
            why = f"written by --emit {emitter}, not given here" if emitter else "no target produces it"
            problems.append(f"extra: {shown} ({why})")
        else:
            actual = (out / rel).read_text(encoding="utf-8", errors="replace")
            if actual != expected[rel]:
                problems.append(f"stale: {shown}")
                diff = difflib.unified_diff(
                    [_hide_secret(line) for line in actual.splitlines()],
                    [_hide_secret(line) for line in expected[rel].splitlines()],
                    f"{shown} (committed)",
                    f"{shown} (from sources)",
                    lineterm="",
                    n=1,
                )
                lines = list(diff) or ["(only secret values differ; they are not shown)"]
                problems.extend(f"    {line}" for line in lines[:context_lines])
                if len(lines) > context_lines:
                    problems.append(f"    ... {len(lines) - context_lines} more diff lines")
    return problems


_SETTING_LINE = re.compile(r"""^(\s*)(["']?)([^\s=:"']+)\2(\s*[=:]\s*)(.*)$""")


def _hide_secret(line: str) -> str:
    """A `key=value` (.properties) or `key: value` (YAML) line with a literal secret value masked."""
    from compiler.secrets import MASK, is_literal_secret

    match = _SETTING_LINE.match(line)
    if match is None:
        return line
    indent, quote, key, sep, value = match.groups()
    if not is_literal_secret(key.replace("\\", ""), value.strip("'\"")):
        return line
    return f"{indent}{quote}{key}{quote}{sep}{MASK}"
