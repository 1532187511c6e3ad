"""What each `kkc` subcommand does, given parsed arguments; returns the exit code."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.errors import EXIT_OK, EXIT_PROBLEMS, InputError, KkcError, ProblemList, UsageError

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.layers import ConfigTree, Target
    from compiler.model import Compiled
    from compiler.overrides import Override


def report(error: KkcError) -> None:
    problems = error.problems if isinstance(error, ProblemList) else [error]
    for problem in problems:
        print(str(problem), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        if args.command == "compile":
            return compile_command(args)
        if args.command == "validate":
            return validate_command(args)
        if args.command == "explain":
            return explain_command(args)
        if args.command == "diff":
            return diff_command(args)
        if args.command == "init":
            return init_command(args)
        if args.command == "schema":
            from compiler.schema import build

            sys.stdout.write(json.dumps(build(), indent=2) + "\n")
            return EXIT_OK
        raise UsageError(f"unknown command {args.command}")
    except KkcError as error:
        report(error)
        return error.exit_code


def _targets(
    args: argparse.Namespace, given: list[str] | None = None
) -> tuple[ConfigTree, list[Target], list[Override]]:
    from compiler.layers import ConfigTree
    from compiler.overrides import split_args

    tree = ConfigTree(args.config_dir, args.config_name)
    texts = list(args.overrides if given is None else given)
    for text in texts:
        _group_option_alone(tree, text)
    choices, overrides = split_args(texts, list(tree.groups))
    if args.all:
        if choices:
            raise UsageError(
                "--all compiles every target; do not also choose " + ", ".join(f"{k}={v}" for k, v in choices.items())
            )
        targets = tree.all_targets()
    else:
        targets = [tree.target(choices)]
    return tree, targets, overrides


def _compile_all(
    tree: ConfigTree, targets: list[Target], overrides: list[Override]
) -> tuple[list[Compiled], list[Diagnostic]]:
    """Compile every target; a target that fails gives its problems as error diagnostics instead."""
    from compiler.pipeline import Normalizer, compile_target
    from compiler.validate import errors_of

    normalizer = Normalizer()
    results: list[Compiled] = []
    diagnostics: list[Diagnostic] = []
    for target in targets:
        try:
            results.append(compile_target(tree, target, overrides, normalizer))
        except UsageError:
            raise
        except KkcError as error:
            diagnostics.extend(errors_of(error, target.id))
    return results, diagnostics


def _group_option_alone(tree: ConfigTree, text: str) -> None:
    """`kkc compile prod`: the option of a group given without its group."""
    owners = [g for g in tree.groups if "=" not in text and text in tree.options(g)]
    if owners:
        said = " or ".join(f"{group}={text}" for group in owners)
        raise UsageError(f"'{text}' alone is not an override: did you mean {said}?")


def compile_command(args: argparse.Namespace) -> int:
    from compiler import report
    from compiler.emit import application_yaml, json_text, output_files
    from compiler.secrets import is_literal_secret
    from compiler.validate import Options, validate
    from compiler.writer import check_out_dir, write_outputs

    if args.out is not None and args.format is not None:
        raise UsageError("--format prints to stdout; with --out the files are written instead (drop one)")
    if args.emit and args.out is None:
        raise UsageError("--emit adds files to --out DIR; give --out")
    if args.check and args.out is None:
        raise UsageError("--check compares with the files under --out DIR; give --out")
    if args.out is not None:
        check_out_dir(args.out)
    tree, targets, overrides = _targets(args)
    results, diagnostics = _compile_all(tree, targets, overrides)
    # Compiling proves the outputs right: errors stop it (nothing written), warnings are shown.
    diagnostics = sorted(set(diagnostics + validate(results, Options())), key=lambda d: d.sort_key)
    errors = report.counts(diagnostics)["error"]
    if args.check and errors:
        # Beside `kkc validate` (pre-commit runs both): say it once, not every finding again.
        raise AlreadyReported(
            f"{_count(errors, 'error')} in the config (kkc validate lists them): {args.out} was not compared"
        )
    if not args.check and any(d.level != "info" for d in diagnostics):
        sys.stderr.write(report.text(diagnostics, [t.id for t in targets], report.use_colour(sys.stderr)))
    if errors:
        raise AlreadyReported(f"{_count(errors, 'error')}: nothing written (kkc validate shows the same findings)")
    if args.out is not None:
        outputs: dict[str, dict[str, str]] = {}
        secret_files: set[str] = set()
        for compiled in results:
            files = output_files(compiled, tuple(dict.fromkeys(args.emit)))
            outputs[compiled.target] = files
            for role, props in compiled.clients.items():
                if any(is_literal_secret(k, v) for k, v in props.items()):
                    secret_files.add(str(Path(compiled.target) / f"{role}.properties"))
                    secret_files.add(str(Path(compiled.target) / "application-kafka.yml"))
        if args.check:
            return _check_outputs(args.out, outputs, args.all, args.argv)
        written = write_outputs(args.out, outputs, secret_files)
        print(f"kkc: wrote {len(written)} files for {_count(len(results), 'target')} under {args.out}", file=sys.stderr)
        return EXIT_OK
    for compiled in results:
        if args.format == "json":
            sys.stdout.write(json_text(compiled))
        else:
            if len(results) > 1:
                sys.stdout.write("---\n")
            sys.stdout.write(application_yaml(compiled))
    return EXIT_OK


def _count(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _is_override(arg: str) -> bool:
    return "=" in arg or arg.startswith(("~", "+"))


def validate_command(args: argparse.Namespace) -> int:
    from compiler import report
    from compiler.validate import Options, errors_of, validate

    options = Options(brokers=args.brokers, kafka_version=args.kafka_version)
    paths = [Path(a) for a in args.inputs if not _is_override(a)]
    given = [a for a in args.inputs if _is_override(a)]
    for path in paths:
        if not path.exists():
            if args.config_dir.is_dir() and "/" not in str(path):
                from compiler.layers import ConfigTree

                try:
                    tree = ConfigTree(args.config_dir, args.config_name)
                    tree.groups  # noqa: B018 - reads the primary config; a broken one is not this error
                except KkcError:
                    tree = None
                if tree is not None:
                    _group_option_alone(tree, str(path))
            raise UsageError(f"no such file: {path} (an override needs '=': key=value)")
        if path.is_dir():
            raise UsageError(f"{path} is a directory; give files, or use --config-dir for a Hydra tree")
    if args.role and not paths:
        raise UsageError("--as names the client type of .properties files; give the files too")
    compiled = []
    diagnostics = []
    targets: list[str] = []
    fallback: dict[str, str] = {}  # target -> the file code-scanning annotations can point at
    scope = ""  # what the summary adds: which target of how many, what fails the run
    if paths:
        if args.all:
            raise UsageError("--all validates the targets of --config-dir; it cannot be combined with files")
        from compiler.overrides import parse

        overrides = [parse(text, i) for i, text in enumerate(given)]
        for path in paths:
            target = str(path)
            targets.append(target)
            fallback[target] = target
            try:
                compiled.append(_compile_path(path, args.role, overrides))
            except KkcError as error:
                if isinstance(error, UsageError):
                    raise
                diagnostics.extend(errors_of(error, target))
    else:
        if args.role:
            raise UsageError("--as is for .properties files")
        from compiler.layers import display_path

        tree, target_list, overrides = _targets(args, given)
        compiled, diagnostics = _compile_all(tree, target_list, overrides)
        targets = [t.id for t in target_list]
        fallback = dict.fromkeys(targets, display_path(tree.primary_path))
        if not args.all:
            every = len(tree.all_targets())
            scope = f" ({targets[0]}" + (f"; --all checks all {every})" if every > 1 else ")")
    diagnostics = sorted(set(diagnostics + validate(compiled, options)), key=lambda d: d.sort_key)
    if args.strict and any(d.level == "warning" for d in diagnostics):
        scope += "; --strict: warnings fail the run"
    report.write(args.format, diagnostics, targets, fallback, "file" if paths else "target", scope)
    failing = {"error", "warning"} if args.strict else {"error"}
    return EXIT_PROBLEMS if any(d.level in failing for d in diagnostics) else EXIT_OK


def _compile_path(path: Path, role: str | None, overrides: list[Override]) -> Compiled:
    from compiler.pipeline import compile_files, compile_properties

    if role and path.suffix in (".yml", ".yaml"):
        raise UsageError(f"--as is for Kafka .properties files; {path} is YAML (a Kestra config): drop --as")
    if path.suffix == ".properties" or role:
        if not role:
            raise UsageError(
                f"{path} is a .properties file: say which client reads it with --as admin|consumer|producer|streams"
            )
        return compile_properties(path, role)
    try:
        return compile_files([path], overrides)
    except InputError as error:
        if path.suffix not in (".yml", ".yaml") and _looks_like_properties(path):
            error.message += (
                f"; {path} looks like a Kafka .properties file (key=value lines): validate it as one with "
                "--as admin|consumer|producer|streams"
            )
        raise


_PROPERTY_LINE = re.compile(r"^\s*[A-Za-z][\w.\-]*\s*=")


def _looks_like_properties(path: Path) -> bool:
    try:
        lines = path.read_text("latin-1").splitlines()[:200]
    except OSError:
        return False
    content = [line for line in lines if line.strip() and not line.lstrip().startswith(("#", "!"))]
    return bool(content) and sum(1 for line in content if _PROPERTY_LINE.match(line)) * 2 >= len(content)


class AlreadyReported(KkcError):
    """Problems already printed as diagnostics; only the exit code is left to give."""

    def __str__(self) -> str:
        return f"kkc: {self.message}"


def _check_outputs(out: Path, outputs: dict[str, dict[str, str]], every_target: bool, argv: list[str]) -> int:
    """--check: compare what the sources produce with the committed outputs; write nothing."""
    from compiler.writer import stale_outputs

    problems = stale_outputs(out, outputs, every_target)
    if not problems:
        count = sum(len(files) for files in outputs.values())
        print(f"kkc: {count} files under {out} match their sources", file=sys.stderr)
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
        options = " ".join(f"--emit {name}" for name in emitted)
        print(f"kkc: {out} holds --emit outputs; check them with: kkc {again} --check {options}", file=sys.stderr)
    return EXIT_PROBLEMS


def explain_command(args: argparse.Namespace) -> int:
    from compiler.explain import explain, render_text
    from compiler.pipeline import compile_target

    if _is_override(args.key) and "=" in args.key:
        raise UsageError(
            f"the KEY to explain is missing ('{args.key}' is an override): "
            f"kkc explain KEY {' '.join(shlex.quote(a) for a in [args.key, *args.overrides])}, with KEY such as "
            "kestra.kafka.defaults.topic.partitions, clients.producer.acks or topics.execution.partitions"
        )
    args.all = False
    tree, targets, overrides = _targets(args)
    compiled = compile_target(tree, targets[0], overrides)
    result = explain(compiled, args.key, args.show_secrets)
    if args.format == "json":
        sys.stdout.write(json.dumps({"target": compiled.target, **result.to_dict()}, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(result, compiled.target))
    return EXIT_OK


def diff_command(args: argparse.Namespace) -> int:
    from compiler import diff
    from compiler.pipeline import compile_target

    if (args.right is None) == (args.against is None):
        raise UsageError("give two targets (A -- B) or one target and --against DIR")
    late = [a for a in args.right or [] if a.startswith("-")]
    if late:
        raise UsageError(f"options go before the '--' ({' '.join(late)} came after it)")
    args.all = False
    tree, targets, overrides = _targets(args)
    side_a = compile_target(tree, targets[0], overrides)
    if args.against is not None:
        before, after = diff.from_directory(args.against, side_a.target), diff.from_compiled(side_a)
        old_name, new_name = str(args.against), side_a.target
    else:
        tree_b, targets_b, overrides_b = _targets(args, args.right)
        side_b = compile_target(tree_b, targets_b[0], overrides_b)
        before, after = diff.from_compiled(side_a), diff.from_compiled(side_b)
        old_name, new_name = side_a.target, side_b.target
    changes = diff.diff(before, after, args.show_secrets)
    if args.format == "json":
        doc = {
            "from": old_name,
            "to": new_name,
            "changes": [c.to_dict() for c in changes],
            "summary": diff.summary(changes),
        }
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        sys.stdout.write(diff.render_text(changes, old_name, new_name))
    if args.fail_on:
        return EXIT_PROBLEMS if any(c.risk in args.fail_on for c in changes) else EXIT_OK
    return EXIT_PROBLEMS if changes else EXIT_OK


def init_command(args: argparse.Namespace) -> int:
    from importlib import resources

    from compiler.schema import build

    target: Path = args.directory
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a directory")
    root = resources.files("compiler") / "data" / "init"
    files = {
        rel: (root / rel).read_text("utf-8")
        for rel in ("config.yaml", "env/dev.yaml", "env/prod.yaml", "instance/main.yaml")
    }
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
