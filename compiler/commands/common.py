"""What several subcommands share: the config tree options, choosing targets, compiling them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from compiler.errors import KkcError, ProblemList, UsageError
from compiler.records import record

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.layers import ConfigTree, Target
    from compiler.model import Compiled
    from compiler.overrides import Override
    from compiler.validate import Selection


@record
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


class Work(Protocol):
    """What a command does with each compiled target: `add` it in this process; or, across processes
    (--jobs), `carry` it in a worker (what it gives is pickled) and `take` that in the parent, in target order."""

    def add(self, compiled: Compiled) -> None: ...

    def carry(self, compiled: Compiled) -> object: ...

    def take(self, carried: object) -> None: ...


def add_jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        metavar="N",
        help="compile and check the targets in N processes (default: the machine's cores; 1: in this process); "
        "the output is the same for any N",
    )


def positive_int(text: str) -> int:
    """An argparse type: a whole number, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def jobs_of(args: argparse.Namespace) -> int:
    from compiler.parallel import default_jobs

    return args.jobs if args.jobs is not None else default_jobs()


def compile_all(
    tree: ConfigTree,
    targets: list[Target],
    overrides: list[Override],
    work: Work | None = None,
    reuse: Reuse | None = None,
    jobs: int = 1,
) -> tuple[list[Compiled], list[Diagnostic]]:
    """Compile every target; a target that fails gives its problems as error diagnostics instead.
    With `work`, every compiled target is handed to it and not kept (the list returned is empty); a target
    `reuse` finds a record for (an earlier run's result) is not compiled. With `work` and jobs > 1, the
    targets are compiled in worker processes and their results taken in target order."""
    from compiler import pipeline
    from compiler.collection import start_work
    from compiler.parallel import fan_out, workers_for

    start_work()
    found = [reuse.find(t) if reuse is not None else None for t in targets]
    todo = [t for t, record in zip(targets, found, strict=True) if record is None]
    workers = workers_for(jobs, len(todo)) if work is not None else 0
    normalizer = pipeline.Normalizer()

    def one(target: Target) -> Compiled | list[Diagnostic]:
        from compiler.validate import errors_of

        try:
            compiled = pipeline.compile_target(tree, target, overrides, normalizer)
        except UsageError:
            raise
        except KkcError as error:
            return errors_of(error, target.id)
        _freeze_heap()  # the modules and data the first target loaded serve every other one
        return compiled

    def carried(target: Target) -> tuple[str, object]:
        assert work is not None
        try:
            result = one(target)
            return ("errors", result) if isinstance(result, list) else ("carried", work.carry(result))
        except KkcError as error:  # raised in the parent at this target, as a serial run would
            return "raise", error

    if workers:
        _freeze_heap()  # before the fork: the workers share these pages instead of copying them
    from_workers = fan_out(todo, workers, carried) if workers else None
    results: list[Compiled] = []
    diagnostics: list[Diagnostic] = []
    try:
        for target, record in zip(targets, found, strict=True):
            if record is not None and reuse is not None and reuse.adopt(record):
                continue
            if from_workers is not None and record is None:
                kind, value = next(from_workers)
                if kind == "raise":
                    raise value
                if kind == "errors":
                    diagnostics.extend(value)
                elif work is not None:
                    work.take(value)
                continue
            result = one(target)
            if isinstance(result, list):
                diagnostics.extend(result)
            elif work is None:
                results.append(result)
            else:
                work.add(result)
    finally:
        if from_workers is not None:
            from_workers.close()  # stops and reaps the workers when a target raised part-way
    return results, diagnostics


_frozen_in: list[int] = []  # the process that froze its heap (a forked worker freezes its own once)


def _freeze_heap() -> None:
    """What is alive now lives as long as the run: the garbage collector's full passes, which rescanned it
    each time (a tenth of `validate --all`), leave it out from now on. Once per process."""
    import gc
    import os

    if os.getpid() not in _frozen_in:
        _frozen_in[:] = [os.getpid()]
        gc.freeze()


class Reuse(Protocol):
    """An earlier run's per-target results (the validate cache): `find` a target's, `adopt` it in order."""

    def find(self, target: Target) -> object | None: ...

    def adopt(self, record: object) -> bool: ...
