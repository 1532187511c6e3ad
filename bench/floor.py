"""The floor: import ruamel.yaml and load every file of a tree once, nothing else.

    python bench/floor.py DIR          # ruamel's pure-Python loader (kkc's loader before issue 16)
    python bench/floor.py --c DIR      # ruamel's C loader (ruamel.yaml.clib, libyaml): the floor for this stack

Loads Kestra's bundled defaults, config.yaml, env/*.yaml and instance/*.yaml with ruamel.yaml
(YAML 1.2, safe). No merge, no resolution, no checks: no tool that reads these files with
ruamel.yaml can be faster than this.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ruamel.yaml import YAML

BUNDLED = Path(__file__).resolve().parent.parent / "compiler" / "data" / "kestra-defaults.yaml"


def main() -> int:
    args = sys.argv[1:]
    c_loader = "--c" in args
    args = [a for a in args if a != "--c"]
    if len(args) != 1:
        print("usage: python bench/floor.py [--c] DIR", file=sys.stderr)
        return 2
    root = Path(args[0])
    yaml = YAML(typ="safe", pure=not c_loader)
    texts = [BUNDLED.read_text("utf-8")]
    paths = [root / "config.yaml", *sorted(root.glob("*/*.yaml"))]
    texts += [p.read_text("utf-8") for p in paths]
    loaded = [yaml.load(text) for text in texts]
    print(f"loaded {len(loaded)} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
