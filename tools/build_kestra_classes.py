"""Build compiler/data/kestra-classes.json.gz: the io.kestra classes of each open-source Kestra release.

Usage: python tools/build_kestra_classes.py PATH-TO-A-CLONE-OF-kestra-io/kestra

A topic's `cls` must name a class Kestra can load. The open-source repository's release commits
(0.4 to 0.20; the Kafka runner itself is Enterprise-only from 0.7) give, per release, the classes
under `*/src/main/java`. Git tags v0.6.0 and v0.7.0 are off by one (v0.6.0 is 0.5.3, v0.7.0 is
0.6.0), so each release is taken at the commit whose gradle.properties says `version=X.Y.0`.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "compiler" / "data" / "kestra-classes.json.gz"
# release -> the commit whose gradle.properties has version=<release>.0
RELEASES = {
    "0.4": "v0.4.0",
    "0.5": "v0.5.0",
    "0.6": "v0.7.0",  # the tag is off by one: gradle.properties says 0.6.0
    "0.7": "fb3a95750",  # "chore(version): update to version 'v0.7.0'" (no v0.7.0 tag on it)
    **{f"0.{minor}": f"v0.{minor}.0" for minor in range(8, 21)},
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def classes_at(repo: Path, release: str, ref: str) -> set[str]:
    version = next(
        line.split("=", 1)[1].strip()
        for line in git(repo, "show", f"{ref}:gradle.properties").splitlines()
        if line.startswith("version=")
    )
    if version != f"{release}.0":
        raise SystemExit(f"{ref}: gradle.properties says {version}, expected {release}.0")
    found = set()
    for path in git(repo, "ls-tree", "-r", "--name-only", ref).splitlines():
        if "/src/main/java/" in path and path.endswith(".java"):
            name = path.split("/src/main/java/", 1)[1].removesuffix(".java").replace("/", ".")
            if name.startswith("io.kestra.") and not name.endswith("package-info"):
                found.add(name)
    return found


def main() -> None:
    repo = Path(sys.argv[1])
    versions = list(RELEASES)
    masks: dict[str, int] = {}
    for bit, (release, ref) in enumerate(RELEASES.items()):
        for name in classes_at(repo, release, ref):
            masks[name] = masks.get(name, 0) | (1 << bit)
    doc = {"versions": versions, "refs": RELEASES, "classes": dict(sorted(masks.items()))}
    OUT.write_bytes(gzip.compress(json.dumps(doc, separators=(",", ":")).encode(), mtime=0))
    print(f"{OUT.name}: {len(masks)} classes over {len(versions)} releases, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
