"""Build ``compiler/data/kafka-api-versions.json``: what a broker of each Kafka release answers to ApiVersions.

Usage::

    python tools/build_api_versions.py [--check]

For every version of kkc's catalog, the release's own kafka-clients jar (fetched by the test harness,
``tests/kafka/pom.xml``) says the highest stable version of each API a broker listener serves
(``tests/kafka/java/ApiVersionsDump.java``). ``kkc plan`` and ``kkc validate --cluster`` read the
release a live cluster runs from these (``compiler/live/apiversions.py``). The output is
deterministic; ``--check`` compares it with the committed file and exits 1 on a difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT = REPO_ROOT / "compiler" / "data" / "kafka-api-versions.json"


def build() -> str:
    sys.path.insert(0, str(REPO_ROOT))
    from compiler.catalog import KNOWN_VERSIONS
    from tests.kafka.harness import VERSIONS, api_versions

    head = {
        "format": 1,
        "source": "the highest stable version of each broker API, from each release's kafka-clients jar "
        "(tools/build_api_versions.py)",
        "releases": {v: VERSIONS[v] for v in KNOWN_VERSIONS},
    }
    lines = [json.dumps(head, indent=1)[:-2] + ",", ' "versions": {']
    for index, version in enumerate(KNOWN_VERSIONS):
        table = {str(k): m for k, m in sorted(api_versions(version).items())}
        comma = "," if index < len(KNOWN_VERSIONS) - 1 else ""
        lines.append(f"  {json.dumps(version)}: {json.dumps(table, separators=(',', ':'))}{comma}")
    return "\n".join([*lines, " }", "}"]) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed file; exit 1 if it differs")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        same = OUTPUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUTPUT} is stale: run python tools/build_api_versions.py")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
