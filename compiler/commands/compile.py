"""`kkc compile`: merge and resolve the layers of one or every target; print or write the outputs."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.commands.common import (
    AlreadyReported,
    Tree,
    add_jobs_option,
    add_selection_options,
    compile_all,
    count,
    jobs_of,
    partial_files,
    select_targets,
    selection,
)
from compiler.errors import UsageError
from compiler.exitcodes import EXIT_OK, EXIT_PROBLEMS
from compiler.records import record

if TYPE_CHECKING:
    from compiler.model import Compiled
    from compiler.validate import Checker, Selection
    from compiler.writer import Staged, Stager

NAME = "compile"
EMITS = ("strimzi", "kafka-topics", "helm-values", "configmap", "secret")
EPILOG = """\
overrides (Hydra's grammar; a Kafka property name with dots goes in brackets):
  env=prod instance=eu1                          choose the target's config group options
  kestra.kafka.defaults.topic.partitions=32      change an existing key
  +kestra.kafka.topics.execution.partitions=64   add a key
  'kestra.kafka.client.properties[bootstrap.servers]=b1:9092,b2:9092'

examples:
  kkc compile env=prod instance=eu1                  print application-kafka.yml
  kkc compile env=prod instance=eu1 --out build/     write build/prod/eu1/*
  kkc compile --all --out build/                     every target of conf/config.yaml's targets
  kkc compile env=dev --format json                  one JSON document per target
  kkc compile --all --out build/ --emit helm-values --emit secret   values for the Kestra Helm chart
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        NAME,
        help="merge and resolve the layers of one or every target; print or write the outputs",
        description="Merge Kestra's defaults and the config layers of a target, resolve ${kestra...} "
        "references, and emit application-kafka.yml, the Kafka client property files and the topic plan.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("overrides", nargs="*", metavar="OVERRIDE", help="group choices and key overrides")
    parser.add_argument("--all", action="store_true", help="every target listed under targets: in config.yaml")
    Tree.add_options(parser)
    parser.add_argument("--out", type=_out_dir, help="write DIR/<env>/<instance>/ per target instead of printing")
    parser.add_argument(
        "--emit",
        action="append",
        choices=EMITS,
        default=[],
        help="with --out, also write strimzi-topics.yaml (Strimzi KafkaTopic resources), create-topics.sh "
        "(kafka-topics.sh --create --if-not-exists), helm-values.yaml (values for the Kestra Helm chart), "
        "kestra-configmap.yaml or kestra-secret.yaml (a ConfigMap of the settings, a Secret of the secret ones; "
        "names and labels from kubernetes:); repeatable",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing each stale, missing or extra file under --out (for CI and pre-commit)",
    )
    parser.add_argument(
        "--format",
        choices=("yaml", "json"),
        default=None,
        help="without --out: yaml prints application-kafka.yml (default), json one document per target",
    )
    add_selection_options(parser)
    add_jobs_option(parser)


def _out_dir(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty directory name; give a path such as build/")
    return Path(text)


@record
class Options:
    overrides: tuple[str, ...]
    every: bool
    tree: Tree
    out: Path | None
    emit: tuple[str, ...]
    check: bool
    format: str | None
    argv: tuple[str, ...]  # as given, to print the command that regenerates stale outputs
    selection: Selection
    jobs: int = 1  # processes that compile, check and render the targets (--jobs)

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        return cls(
            tuple(args.overrides),
            args.all,
            Tree.from_args(args),
            args.out,
            tuple(dict.fromkeys(args.emit)),
            args.check,
            args.format,
            tuple(argv),
            selection(args),
            jobs_of(args),
        )


def run(options: Options) -> int:
    from compiler import report
    from compiler.parallel import workers_for
    from compiler.validate import Checker
    from compiler.validate import Options as ValidateOptions
    from compiler.writer import check_out_dir

    if options.out is not None and options.format is not None:
        raise UsageError("--format prints to stdout; with --out the files are written instead (drop one)")
    if options.emit and options.out is None:
        raise UsageError("--emit adds files to --out DIR; give --out")
    if options.check and options.out is None:
        raise UsageError("--check compares with the files under --out DIR; give --out")
    if options.out is not None:
        check_out_dir(options.out)
    tree = options.tree.load()
    targets, overrides = select_targets(tree, options.overrides, options.every)
    checker = Checker(ValidateOptions(selection=options.selection))
    # Each target is checked, rendered and (with --out) staged as it is compiled, then dropped; nothing
    # reaches the outputs before every target is compiled and checked.
    sink = _Sink(options, checker)
    try:
        jobs = options.jobs if options.out is not None else 1  # printing needs the compiled targets here
        if options.out is not None and not options.check and workers_for(jobs, len(targets)):
            sink.stage_in_workers()
        results, diagnostics = compile_all(tree, targets, overrides, sink, jobs=jobs)
        # Compiling proves the outputs right: errors stop it (nothing written), warnings are shown.
        done = [t for t in targets if t.id in checker.versions]
        outcome = checker.outcome(partial_files(tree, done))
        diagnostics = sorted(set(diagnostics + outcome.diagnostics), key=lambda d: d.sort_key)
        errors = report.counts(diagnostics)["error"]
        if options.check and errors:
            # Beside `kkc validate` (pre-commit runs both): say it once, not every finding again.
            raise AlreadyReported(
                f"{count(errors, 'error')} in the config (kkc validate lists them): {options.out} was not compared"
            )
        if not options.check and any(d.level != "info" for d in diagnostics):
            ids = [t.id for t in targets]
            heading = report.header(checker.versions)
            colour = report.use_colour(sys.stderr)
            sys.stderr.write(report.text(diagnostics, ids, colour, suppressed=outcome.suppressed, heading=heading))
        if errors:
            raise AlreadyReported(f"{count(errors, 'error')}: nothing written (kkc validate shows the same findings)")
        if sink.missing:
            from compiler.emit import secrets_left_out

            raise UsageError(secrets_left_out(sink.missing))
        if sink.problem is not None:
            raise sink.problem
        if options.out is None:
            return _print(options, sink.kept)
        if options.check:
            return _check_outputs(options.out, sink.outputs, options.every, options.argv)
        assert sink.stager is not None
        stager, sink.stager = sink.stager, None
        written = stager.commit()
    finally:
        sink.discard()
    print(
        f"kkc: wrote {len(written)} files for {count(len(sink.targets), 'target')} under {options.out}", file=sys.stderr
    )
    return EXIT_OK


@record
class _Rendered:
    """One target's output files, rendered (in a worker process with --jobs)."""

    target: str
    missing: str | None  # why --emit would leave its secrets out
    files: dict[str, str]
    secret_files: set[str]  # paths under the outputs that get mode 0600
    staged: Staged | UsageError | None = None  # staged by the worker itself (then `files` is empty)


class _Sink:
    """What compile keeps of each compiled target: the target itself to print it (no --out), its rendered
    files to compare them (--check), else its files staged beside the outputs (--out)."""

    def __init__(self, options: Options, checker: Checker) -> None:
        self.options = options
        self.checker = checker
        self.kept: list[Compiled] = []
        self.outputs: dict[str, dict[str, str]] = {}
        self.targets: list[str] = []
        self.problem: UsageError | None = None  # the first reason not to write, raised once the checks pass
        self.missing: list[tuple[str, str]] = []  # (target, why --emit would leave its secrets out)
        self.stager: Stager | None = None
        self.staged_by_workers = False  # see stage_in_workers

    def stage_in_workers(self) -> None:
        """--jobs with --out: each worker stages its targets' files itself; nothing is dropped before every
        worker is done (the staging directory goes at the end of the run, with or without the outputs)."""
        from compiler.writer import Stager

        assert self.options.out is not None
        try:
            self.stager = Stager(self.options.out, in_child=False)
        except UsageError as error:
            self.problem = error  # raised once the checks pass, as without --jobs
            return
        self.staged_by_workers = True

    def add(self, compiled: Compiled) -> None:
        self.checker.add(compiled)
        if self.options.out is None:
            self.targets.append(compiled.target)
            self.kept.append(compiled)
            return
        self._place(self._rendered(compiled))

    def carry(self, compiled: Compiled) -> tuple[object, _Rendered]:
        """In a worker process (--jobs, with --out): the target checked and its files rendered (and staged)."""
        rendered = self._rendered(compiled)
        if self.staged_by_workers and self.stager is not None and rendered.missing is None:
            staged: Staged | UsageError
            try:
                staged = self.stager.add(rendered.target, rendered.files, rendered.secret_files)
            except UsageError as error:
                staged = error
            rendered = _Rendered(rendered.target, None, {}, set(), staged)
        return self.checker.carry(compiled), rendered

    def take(self, carried: object) -> None:
        assert isinstance(carried, tuple)
        checked: object = carried[0]
        rendered: _Rendered = carried[1]
        self.checker.take(checked)
        self._place(rendered)

    def _rendered(self, compiled: Compiled) -> _Rendered:
        from compiler.emit import literal_secret_files, needs_secret, output_files
        from compiler.secrets import is_literal_secret

        options = self.options
        missing = needs_secret(compiled, options.emit)
        if missing is not None:
            return _Rendered(compiled.target, missing, {}, set())
        files = output_files(compiled, options.emit)
        secret_files = {str(Path(compiled.target) / name) for name in literal_secret_files(compiled, options.emit)}
        for role, props in compiled.clients.items():
            if any(is_literal_secret(k, v) for k, v in props.items()):
                secret_files.add(str(Path(compiled.target) / f"{role}.properties"))
                secret_files.add(str(Path(compiled.target) / "application-kafka.yml"))
        return _Rendered(compiled.target, None, files, secret_files)

    def _place(self, rendered: _Rendered) -> None:
        from compiler.writer import Stager

        self.targets.append(rendered.target)
        if rendered.missing is not None:
            self.missing.append((rendered.target, rendered.missing))  # every such target is named, then nothing written
            self._drop()
            return
        if self.problem is not None or self.missing:
            return
        if self.options.check:
            self.outputs[rendered.target] = rendered.files
            return
        assert self.options.out is not None
        if isinstance(rendered.staged, UsageError):
            self.problem = rendered.staged
            return
        if rendered.staged is not None:
            assert self.stager is not None
            self.stager.adopt(rendered.staged)
            return
        try:
            if self.stager is None:
                self.stager = Stager(self.options.out)
            self.stager.add(rendered.target, rendered.files, rendered.secret_files)
        except UsageError as error:
            self.problem = error
            self._drop()

    def _drop(self) -> None:
        if not self.staged_by_workers:  # a worker may still be writing there: dropped at the end of the run
            self.discard()

    def discard(self) -> None:
        if self.stager is not None:
            stager, self.stager = self.stager, None
            stager.discard()


def _print(options: Options, results: list[Compiled]) -> int:
    from compiler.emit import application_yaml, json_text

    for compiled in results:
        if options.format == "json":
            sys.stdout.write(json_text(compiled))
        else:
            if len(results) > 1:
                sys.stdout.write("---\n")
            sys.stdout.write(application_yaml(compiled))
    return EXIT_OK


def _check_outputs(out: Path, outputs: dict[str, dict[str, str]], every_target: bool, argv: tuple[str, ...]) -> int:
    """--check: compare what the sources produce with the committed outputs; write nothing."""
    from compiler.writer import stale_outputs

    problems = stale_outputs(out, outputs, every_target)
    if not problems:
        total = sum(len(files) for files in outputs.values())
        print(f"kkc: {total} files under {out} match their sources", file=sys.stderr)
        return EXIT_OK
    for line in problems:
        print(line, file=sys.stderr)
    again = " ".join(shlex.quote(a) for a in argv if a != "--check")
    emitted = sorted({m.group(1) for line in problems if (m := re.search(r"written by --emit (\S+),", line))})
    extra = any(line.startswith("extra: ") and "--emit" not in line for line in problems)
    remove = "; then delete the extra files (kkc never deletes files)" if extra else ""
    if any("--emit" not in line for line in problems):
        print(f"kkc: {out} is stale; regenerate it: kkc {again}{remove}", file=sys.stderr)
    if emitted:
        emit_options = " ".join(f"--emit {name}" for name in emitted)
        print(f"kkc: {out} holds --emit outputs; check them with: kkc {again} --check {emit_options}", file=sys.stderr)
    return EXIT_PROBLEMS
