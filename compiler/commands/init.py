"""`kkc init`: a small, valid starting config tree."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from compiler.errors import InputError, UsageError
from compiler.exitcodes import EXIT_OK
from compiler.records import record

NAME = "init"
FILES = ("config.yaml", "env/dev.yaml", "env/prod.yaml", "instance/main.yaml")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        NAME,
        help="write a small, valid starting config tree",
        description="Write a starting Hydra config tree into DIR (default: conf): config.yaml with targets, "
        "env/dev.yaml, env/prod.yaml, instance/main.yaml, and kkc-schema.json beside it for editors. "
        "It passes kkc validate --all as is. Existing files are never overwritten.",
    )
    parser.add_argument("directory", nargs="?", type=Path, default=Path("conf"), metavar="DIR")


@record
class Options:
    directory: Path

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        return cls(args.directory)


def run(options: Options) -> int:
    from importlib import resources

    from compiler.schema import build

    target = options.directory
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a directory")
    root = resources.files("compiler") / "data" / "init"
    files = {rel: (root / rel).read_text("utf-8") for rel in FILES}
    files["kkc-schema.json"] = json.dumps(build(), indent=2) + "\n"
    existing = sorted(rel for rel in files if (target / rel).exists())
    if existing:
        raise InputError(
            f"refusing to overwrite {', '.join(str(target / rel) for rel in existing)}; nothing written",
            rule="init-would-overwrite",
        )
    try:
        for rel, text in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as exc:
        raise UsageError(f"cannot write under {target}: {exc.strerror or exc}") from None
    print(
        f"kkc: wrote {len(files)} files under {target}; next: kkc validate --all --config-dir {target}", file=sys.stderr
    )
    return EXIT_OK
