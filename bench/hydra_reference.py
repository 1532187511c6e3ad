"""The reference: compose every target of a tree with Hydra's compose API, in one process, no validation.

    python bench/hydra_reference.py DIR

What kkc would cost if it called Hydra per target: one `initialize_config_dir`, then one `compose`
per target of config.yaml's `targets:` list, and `OmegaConf.to_container(resolve=False)` (the
run-time placeholders such as `${KAFKA_PASSWORD}` are not keys of the config, so the tree is not
resolved). Kestra's bundled defaults are layer 0, as in tests/test_hydra_equivalence.py: the tree
is copied into a temporary directory beside a root config whose defaults list is
`[kkc_bundled, config, _self_]`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from importlib import resources
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, metavar="DIR", help="a tree written by bench/generate.py")
    args = parser.parse_args()

    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    bundled = (resources.files("compiler") / "data" / "kestra-defaults.yaml").read_text("utf-8")
    with tempfile.TemporaryDirectory(prefix="kkc-hydra-ref-") as work:
        tree = Path(work) / "conf"
        shutil.copytree(args.directory, tree)
        (tree / "kkc_bundled.yaml").write_text(bundled)
        (tree / "kkc_root.yaml").write_text("defaults:\n  - kkc_bundled\n  - config\n  - _self_\n")
        targets = OmegaConf.to_container(OmegaConf.load(tree / "config.yaml").targets)
        leaves = 0
        with initialize_config_dir(config_dir=str(tree.resolve()), version_base="1.3"):
            for target in targets:  # type: ignore[union-attr]
                overrides = [f"{group}={option}" for group, option in target.items()]
                cfg = compose(config_name="kkc_root", overrides=overrides)
                result = OmegaConf.to_container(cfg, resolve=False)
                leaves += _count(result)
    print(f"composed {len(targets)} targets ({leaves} leaves)", file=sys.stderr)  # type: ignore[arg-type]
    return 0


def _count(node: object) -> int:
    if isinstance(node, dict):
        return sum(_count(v) for v in node.values())
    if isinstance(node, list):
        return sum(_count(v) for v in node)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
