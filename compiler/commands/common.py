"""What several subcommands share: the config tree options, choosing targets, compiling them."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.errors import KkcError, ProblemList, UsageError

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.layers import ConfigTree, Target
    from compiler.model import Compiled
    from compiler.overrides import Override


@dataclass(frozen=True)
class Tree:
    """--config-dir and --config-name: where the Hydra config tree is."""

    config_dir: Path
    config_name: str

    @staticmethod
    def add_options(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--config-dir", type=Path, default=Path("conf"), help="the Hydra config tree (default: ./conf)"
        )
        parser.add_argument("--config-name", default="config", help="the primary config's name (default: config)")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Tree:
        return cls(args.config_dir, args.config_name)

    def load(self) -> ConfigTree:
        from compiler.layers import ConfigTree

        return ConfigTree(self.config_dir, self.config_name)


class AlreadyReported(KkcError):
    """Problems already printed as diagnostics; only the exit code is left to give."""

    def __str__(self) -> str:
        return f"kkc: {self.message}"


def report_error(error: KkcError) -> None:
    problems = error.problems if isinstance(error, ProblemList) else [error]
    for problem in problems:
        print(str(problem), file=sys.stderr)


def count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def is_override(arg: str) -> bool:
    return "=" in arg or arg.startswith(("~", "+"))


def group_option_alone(tree: ConfigTree, text: str) -> None:
    """`kkc compile prod`: the option of a group given without its group."""
    owners = [g for g in tree.groups if "=" not in text and text in tree.options(g)]
    if owners:
        said = " or ".join(f"{group}={text}" for group in owners)
        raise UsageError(f"'{text}' alone is not an override: did you mean {said}?")


def select_targets(
    tree: ConfigTree, texts: tuple[str, ...] | list[str], every: bool = False
) -> tuple[list[Target], list[Override]]:
    """The targets a command line chooses (`env=prod instance=eu1`, or --all) and its value overrides."""
    from compiler.overrides import split_args

    for text in texts:
        group_option_alone(tree, text)
    choices, overrides = split_args(list(texts), list(tree.groups))
    if not every:
        return [tree.target(choices)], overrides
    if choices:
        chosen = ", ".join(f"{k}={v}" for k, v in choices.items())
        raise UsageError(f"--all compiles every target; do not also choose {chosen}")
    return tree.all_targets(), overrides


def compile_one(tree: Tree, texts: tuple[str, ...] | list[str]) -> Compiled:
    """The one target a command line chooses, compiled (explain, diff)."""
    from compiler import pipeline

    config = tree.load()
    targets, overrides = select_targets(config, texts)
    return pipeline.compile_target(config, targets[0], overrides)


def compile_all(
    tree: ConfigTree, targets: list[Target], overrides: list[Override]
) -> tuple[list[Compiled], list[Diagnostic]]:
    """Compile every target; a target that fails gives its problems as error diagnostics instead."""
    from compiler import pipeline
    from compiler.validate import errors_of

    normalizer = pipeline.Normalizer()
    results: list[Compiled] = []
    diagnostics: list[Diagnostic] = []
    for target in targets:
        try:
            results.append(pipeline.compile_target(tree, target, overrides, normalizer))
        except UsageError:
            raise
        except KkcError as error:
            diagnostics.extend(errors_of(error, target.id))
    return results, diagnostics
