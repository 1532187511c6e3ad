"""Writing outputs so that a failure leaves the previous outputs untouched.

Everything is rendered in memory first; nothing is written if any target fails. Files are then
written into a temporary directory beside the output directory and renamed into place, one file
at a time (each rename is atomic). Files holding a literal secret are created with mode 0600.
"""

from __future__ import annotations

import os
import shutil
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
    """`outputs` maps a target's sub-directory (e.g. `prod/eu1`) to its files' contents."""
    check_out_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kkc-", dir=out))
    written: list[Path] = []
    try:
        moves: list[tuple[Path, Path]] = []
        for subdir, files in outputs.items():
            for name, text in files.items():
                rel = Path(subdir) / name
                temp = staging / rel
                temp.parent.mkdir(parents=True, exist_ok=True)
                mode = 0o600 if str(rel) in secret_files else 0o755 if name.endswith(".sh") else 0o644
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(temp, mode)
                moves.append((temp, out / rel))
        for temp, final in moves:
            if final.is_dir():
                raise UsageError(f"cannot write {final}: a directory is in the way")
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, final)
            written.append(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def stale_outputs(
    out: Path, outputs: dict[str, dict[str, str]], every_target: bool = True, context_lines: int = 12
) -> list[str]:
    """One line per stale, missing or extra file under `out`, with a short diff for stale ones.

    Extra files are looked for in all of `out` when every target was compiled, else only in the
    compiled targets' own directories.
    """
    import difflib

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
            problems.append(f"extra: {shown} (no target produces it)")
        else:
            actual = (out / rel).read_text(encoding="utf-8", errors="replace")
            if actual != expected[rel]:
                problems.append(f"stale: {shown}")
                diff = difflib.unified_diff(
                    actual.splitlines(),
                    expected[rel].splitlines(),
                    f"{shown} (committed)",
                    f"{shown} (from sources)",
                    lineterm="",
                    n=1,
                )
                lines = list(diff)
                problems.extend(f"    {line}" for line in lines[:context_lines])
                if len(lines) > context_lines:
                    problems.append(f"    ... {len(lines) - context_lines} more diff lines")
    return problems
