"""What several subcommands share: the config tree options, choosing targets, compiling them."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.errors import KkcError, ProblemList, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from compiler.diagnostics import Diagnostic
    from compiler.layers import ConfigTree, Target
    from compiler.model import Compiled
    from compiler.overrides import Override
    from compiler.validate import Selection


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


def add_selection_options(parser: argparse.ArgumentParser) -> None:
    """--select and --ignore, ruff-style: comma-separated rule ids or family names, repeatable."""
    parser.add_argument(
        "--select",
        action="append",
        type=_selected,
        metavar="IDS",
        help="report only these rule ids or families (comma-separated); a rule the config turns off stays off",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        type=_ignored,
        metavar="IDS",
        help="turn these rule ids or families off (comma-separated), whatever the config says",
    )


def _names(text: str) -> tuple[str, ...]:
    from compiler.validate import unknown_name

    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names:
        raise argparse.ArgumentTypeError("give rule ids or family names, comma-separated (kkc rules lists them)")
    for name in names:
        unknown = unknown_name(name)
        if unknown:
            raise argparse.ArgumentTypeError(unknown)
    return names


def _selected(text: str) -> tuple[str, ...]:
    return _names(text)


def _ignored(text: str) -> tuple[str, ...]:
    from compiler.validate import is_stage_id, stage_error_fixed

    names = _names(text)
    for name in names:
        if is_stage_id(name):
            raise argparse.ArgumentTypeError(stage_error_fixed(name))
    return names


def selection(args: argparse.Namespace) -> Selection:
    from compiler.validate import Selection

    select = None if args.select is None else tuple(n for group in args.select for n in group)
    return Selection(select, tuple(n for group in args.ignore or () for n in group))


def partial_files(tree: ConfigTree, compiled: list[Target]) -> frozenset[str]:
    """The files a target not compiled in this run also reads (see validate.Options.partial_files);
    `compiled`: the targets compiled."""
    done = {t.id for t in compiled}
    try:
        others = [t for t in tree.all_targets() if t.id not in done]
    except KkcError:
        return frozenset(layer.label for t in compiled for layer in tree.layers(t))
    found: set[str] = set()
    for target in others:
        try:
            found.update(layer.label for layer in tree.layers(target))
        except KkcError:
            continue  # it does not compile either; its own run reports why
    return frozenset(found)


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
    tree: ConfigTree,
    targets: list[Target],
    overrides: list[Override],
    each: Callable[[Compiled], None] | None = None,
    reuse: Callable[[Target], bool] | None = None,
) -> tuple[list[Compiled], list[Diagnostic]]:
    """Compile every target; a target that fails gives its problems as error diagnostics instead.
    With `each`, every compiled target is handed to it and not kept (the list returned is empty); a target
    for which `reuse` answers True (it stood in for it) is not compiled."""
    from compiler import pipeline
    from compiler.validate import errors_of

    normalizer = pipeline.Normalizer()
    results: list[Compiled] = []
    diagnostics: list[Diagnostic] = []
    for target in targets:
        if reuse is not None and reuse(target):
            continue
        try:
            compiled = pipeline.compile_target(tree, target, overrides, normalizer)
        except UsageError:
            raise
        except KkcError as error:
            diagnostics.extend(errors_of(error, target.id))
            continue
        if each is None:
            results.append(compiled)
        else:
            each(compiled)
    return results, diagnostics
