"""The file floor: write the files of a compiled tree again, with plain system calls, nothing else.

    python bench/files_floor.py REF OUT

Reads every file under REF (a `kkc compile --all --out` of the same tree), then creates OUT with
the same directories and files (one open, write and close each) and puts them on disk once
(`syncfs(2)`, else `os.sync()`), as kkc's `--out` does before it renames anything into place. What
this costs is the filesystem's; `compile` cannot write the same files for less.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path


def _sync(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        if sys.platform.startswith("linux") and ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
            return
    finally:
        os.close(fd)
    os.sync()


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: python bench/files_floor.py REF OUT", file=sys.stderr)
        return 2
    ref, out = Path(sys.argv[1]), Path(sys.argv[2])
    files = {p.relative_to(ref): p.read_bytes() for p in sorted(ref.rglob("*")) if p.is_file()}
    made: set[Path] = set()
    for rel, data in files.items():
        parent = out / rel.parent
        if parent not in made:
            parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        fd = os.open(out / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
    _sync(out)
    print(f"wrote {len(files)} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
