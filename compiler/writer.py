"""Writing outputs so that a failure leaves the previous outputs untouched.

Everything is rendered in memory first; nothing is written if any target fails. Files are then
written into a temporary directory beside the output directory and renamed into place, one file
at a time (each rename is atomic). Files holding a literal secret are created with mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from compiler.errors import UsageError


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
    check_out_dir(out)
    try:
        return _write(out, outputs, secret_files)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise UsageError(
            f"cannot write under --out {out}: {exc.strerror or exc}{where}; the previous outputs are untouched"
        ) from None


def _write(out: Path, outputs: dict[str, dict[str, str]], secret_files: set[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    staging = Path(tempfile.mkdtemp(prefix=f".kkc-{os.getpid()}-", dir=out))
    written: list[Path] = []
    try:
        moves: list[tuple[Path, Path]] = []
        checked: set[Path] = set()  # directories already probed or made: once each, not once per file
        for subdir, files in outputs.items():
            for name, text in files.items():
                rel = Path(subdir) / name
                _refuse_in_the_way(out, rel, checked)
                mode = 0o600 if str(rel) in secret_files else 0o755 if name.endswith(".sh") else 0o644
                if _unchanged(out / rel, text, mode):
                    written.append(out / rel)  # already in place: not rewritten (issue 16)
                    continue
                temp = staging / "new" / rel
                if temp.parent not in checked:
                    temp.parent.mkdir(parents=True, exist_ok=True)
                    checked.add(temp.parent)
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
                os.chmod(temp, mode)
                moves.append((temp, out / rel))
        _sync_all([temp for temp, _ in moves])
        _move_all(moves, staging / "old", out)
        written += [final for _, final in moves]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _unchanged(final: Path, text: str, mode: int) -> bool:
    """The file already holds exactly these bytes with this mode (a regular file, not a link)."""
    try:
        info = os.lstat(final)
        if not stat.S_ISREG(info.st_mode) or stat.S_IMODE(info.st_mode) != mode:
            return False
        data = text.encode("utf-8")
        return info.st_size == len(data) and final.read_bytes() == data
    except OSError:
        return False


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_all(paths: list[Path]) -> None:
    """Every staged file on disk before any is renamed into place. The fsyncs run side by side: one after
    the other, each waiting for its own journal commit, they were most of `compile --all --out`."""
    if len(paths) < 8:
        for path in paths:
            _sync(path)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in pool.map(_sync, paths):
            pass


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
    """A file where a directory must go, or a directory where a file must go: refused before writing."""
    probe = out
    for part in rel.parts[:-1]:
        probe = probe / part
        if probe in checked:
            continue
        checked.add(probe)
        if probe.exists() and not probe.is_dir():
            raise UsageError(f"cannot write {out / rel}: {probe} is a file, not a directory; nothing written")
    if (out / rel).is_dir():
        raise UsageError(f"cannot write {out / rel}: a directory is in the way; nothing written")


def _move_all(moves: list[tuple[Path, Path]], backups: Path, out: Path) -> None:
    """Rename each file into place (atomic per file); on any failure put every replaced file back."""
    done: list[tuple[Path, Path | None]] = []
    created: list[Path] = []
    present: set[Path] = set()
    try:
        for temp, final in moves:
            if final.parent not in present:
                missing = [p for p in (final.parent, *final.parent.parents) if p != out and not p.exists()]
                final.parent.mkdir(parents=True, exist_ok=True)
                created.extend(reversed(missing))
                present.add(final.parent)
            backup = None
            if final.exists():
                backup = backups / final.relative_to(out)
                backup.parent.mkdir(parents=True, exist_ok=True)
                try:
                    os.link(final, backup)  # the old file stays reachable until the new one is in place
                except OSError:
                    shutil.copy2(final, backup)  # a file system without hard links
            os.replace(temp, final)
            done.append((final, backup))
    except BaseException:
        for final, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    final.unlink()
                else:
                    os.replace(backup, final)
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()
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
