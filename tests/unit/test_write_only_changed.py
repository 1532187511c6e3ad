"""--out rewrites only the files whose bytes (or mode) change; unchanged files keep their inode and mtime."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from compiler import writer


def test_only_changed_files_are_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "STAGE_IN_CHILD", False)  # staged and synced in this process, where it is seen
    outputs = {"dev": {"a.yml": "a: 1\n", "b.properties": "b=1\n"}, "prod": {"a.yml": "a: 2\n"}}
    writer.write_outputs(tmp_path, outputs, set())
    before = {p: os.stat(p) for p in tmp_path.rglob("*") if p.is_file()}
    synced: list[Path] = []
    real = writer._sync_all
    monkeypatch.setattr(writer, "_sync_all", lambda paths: (synced.extend(paths), real(paths)))
    outputs["prod"]["a.yml"] = "a: 3\n"
    written = writer.write_outputs(tmp_path, outputs, {"dev/b.properties"})  # b's mode becomes 0600
    assert len(written) == 3
    after = {p: os.stat(p) for p in tmp_path.rglob("*") if p.is_file()}
    replaced = sorted(str(p.relative_to(tmp_path)) for p in after if after[p].st_ino != before[p].st_ino)
    assert replaced == ["dev/b.properties", "prod/a.yml"]
    assert len(synced) == 2 and len({p.parent for p in synced}) == 1  # the two changed, staged side by side
    assert (tmp_path / "prod" / "a.yml").read_text() == "a: 3\n"
    assert oct((tmp_path / "dev" / "b.properties").stat().st_mode & 0o777) == "0o600"
