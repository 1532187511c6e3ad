"""Build ``compiler/data/kafka-classes.json.gz``: the classes of Kafka's own packages per version.

Usage::

    python tools/build_class_list.py [--check]

Reads the kafka-clients and kafka-streams jars of every catalog version that the tests fetch with
Maven (``tests/kafka/target/versions``; run the test suite, or ``mvn -f tests/kafka/pom.xml
process-resources``, first). A configured class name under ``org.apache.kafka.`` that is not in the
list of the target Kafka version cannot be loaded: kkc reports it. Output is deterministic (sorted,
gzip without a timestamp), so ``--check`` compares it with the committed file.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import sys
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
JARS = REPO_ROOT / "tests" / "kafka" / "target" / "versions"
OUTPUT = REPO_ROOT / "compiler" / "data" / "kafka-classes.json.gz"
sys.path.insert(0, str(REPO_ROOT))

from tests.kafka.harness import VERSIONS  # noqa: E402

ARTIFACTS = ("kafka-clients", "kafka-streams")
_SKIP = re.compile(r"\$\d|\$\$|package-info|module-info")  # anonymous classes, lambdas, metadata


def classes(version: str) -> set[str]:
    found: set[str] = set()
    for artifact in ARTIFACTS:
        with zipfile.ZipFile(JARS / f"{artifact}-{VERSIONS[version]}.jar") as jar:
            for name in jar.namelist():
                if name.startswith("org/apache/kafka/") and name.endswith(".class"):
                    binary = name[: -len(".class")].replace("/", ".")
                    if not _SKIP.search(binary):
                        found.add(binary)
    return found


def build() -> bytes:
    """{"versions": [...], "classes": {binary name: bitmask of the versions that have it}}, gzipped."""
    versions = list(VERSIONS)
    masks: dict[str, int] = {}
    for bit, version in enumerate(versions):
        for name in classes(version):
            masks[name] = masks.get(name, 0) | (1 << bit)
    doc = {"source": "kafka-clients + kafka-streams jars (Maven Central)", "versions": versions, "classes": masks}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as out:
        out.write(text)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args(argv)
    data = build()
    if args.check:
        if not OUTPUT.is_file() or OUTPUT.read_bytes() != data:
            print(f"{OUTPUT} is stale: run python tools/build_class_list.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_bytes(data)
    print(f"wrote {OUTPUT} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
