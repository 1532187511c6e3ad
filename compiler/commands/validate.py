"""`kkc validate`: every mistake Kestra and Kafka would only reveal at run time, for targets or files."""

from __future__ import annotations

import argparse
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compiler.commands.common import (
    Tree,
    add_jobs_option,
    add_selection_options,
    compile_all,
    group_option_alone,
    is_override,
    jobs_of,
    partial_files,
    positive_int,
    select_targets,
    selection,
)
from compiler.commands.plan import add_live_options, connect_options
from compiler.errors import InputError, KkcError, UsageError
from compiler.exitcodes import EXIT_OK, EXIT_PROBLEMS
from compiler.kestra_versions import DEFAULT as KESTRA_DEFAULT
from compiler.keys import ROLES
from compiler.outer import FORMATS as _FORMATS
from compiler.patterns import lazy
from compiler.records import record

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.layers import ConfigTree, Target
    from compiler.live.session import Connect
    from compiler.model import Compiled
    from compiler.validate import Checker, Selection

NAME = "validate"
EPILOG = """\
examples:
  kkc validate env=prod instance=eu1              one target of ./conf
  kkc validate --all                              every target (pre-commit, CI)
  kkc validate path/to/application.yml            existing Kestra config files
  kkc validate values.yaml secret.yaml            Helm values (and the Secret they mount)
  kkc validate docker-compose.yml                 a compose file's KESTRA_CONFIGURATION
  kkc validate configmap.yaml                     ConfigMaps and Secrets holding application*.yml
  kkc validate client.properties --as producer    a plain Kafka client .properties file
  kkc validate --all --format sarif > kkc.sarif   for code scanning
  kkc validate --all --ignore replication-factor-below-brokers,loggers

exit codes: 0 no errors (warnings allowed unless --strict), 1 problems found, 2 usage error
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        NAME,
        help="find every mistake Kestra and Kafka would only reveal at run time; exit 1 on errors",
        description="Validate one target, every target (--all), existing Kestra config files (each one layer "
        "over Kestra's bundled defaults) or a plain Kafka client .properties file (--as ROLE).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="*", metavar="OVERRIDE|FILE", help="group choices, overrides, or files")
    parser.add_argument("--all", action="store_true", help="every target listed under targets: in config.yaml")
    parser.add_argument(
        "--as",
        dest="role",
        choices=(*ROLES, *_FORMATS),
        metavar="ROLE|FORMAT",
        help="the Kafka client type that reads the given .properties files (admin, consumer, producer, streams), "
        "or the format of the given YAML files when kkc should not recognise it: "
        + ", ".join(f"{name} ({fmt.summary})" for name, fmt in _FORMATS.items()),
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="text (default), json, github (workflow annotations), sarif (SARIF 2.1.0)",
    )
    parser.add_argument("--strict", action="store_true", help="warnings fail the run too")
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="check everything again: do not replay or store the result (a content-hash cache under "
        "$XDG_CACHE_HOME/kkc, else ~/.cache/kkc)",
    )
    add_selection_options(parser)
    add_jobs_option(parser)
    parser.add_argument("--brokers", type=positive_int, metavar="N", help="broker count (overrides cluster.brokers)")
    parser.add_argument(
        "--kafka-version",
        metavar="X.Y",
        type=_kafka_version,
        help="the Kafka version of clients and brokers (overrides cluster.kafka-version; default: the client the "
        "Kestra version ships, the latest for a .properties file)",
    )
    parser.add_argument(
        "--kestra-version",
        metavar="X.Y",
        type=_kestra_version,
        help=f"the Kestra release (overrides cluster.kestra-version; default: {KESTRA_DEFAULT}, the current "
        "long-term Enterprise release)",
    )
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="read the broker count, the Kafka version and the brokers' settings from the live cluster the target "
        "connects to (needs pip install 'kkc[live]'), and say where the declared cluster: facts differ",
    )
    add_live_options(parser)
    Tree.add_options(parser)


def _kafka_version(text: str) -> str:
    from compiler.catalog import KNOWN_VERSIONS

    if text not in KNOWN_VERSIONS:
        raise argparse.ArgumentTypeError(f"'{text}' is not a Kafka version kkc knows ({', '.join(KNOWN_VERSIONS)})")
    return text


def _kestra_version(text: str) -> str:
    from compiler.kestra_versions import problem

    why = problem(text)
    if why is not None:
        raise argparse.ArgumentTypeError(f"'{text}': {why}")
    return text.strip().removeprefix("v")


@record
class Options:
    paths: tuple[Path, ...]  # files given instead of a target
    overrides: tuple[str, ...]
    every: bool
    role: str | None
    format: str
    strict: bool
    brokers: int | None
    kafka_version: str | None
    kestra_version: str | None
    tree: Tree
    selection: Selection
    cluster: Connect | None = None  # --cluster: how to reach it
    argv: tuple[str, ...] = ()  # as given: names the per-target cache entry
    cache: bool = False  # reuse what an earlier run found for each target whose files are unchanged
    jobs: int = 1  # processes that compile and check the targets (--jobs)

    @classmethod
    def from_args(cls, args: argparse.Namespace, argv: list[str]) -> Options:
        from compiler import cache

        return cls(
            tuple(Path(a) for a in args.inputs if not is_override(a)),
            tuple(a for a in args.inputs if is_override(a)),
            args.all,
            args.role,
            args.format,
            args.strict,
            args.brokers,
            args.kafka_version,
            args.kestra_version,
            Tree.from_args(args),
            selection(args),
            connect_options(args) if args.cluster else None,
            cache.without_jobs(argv),
            not args.no_cache,
            jobs_of(args),
        )


@record(frozen=False)
class _Run:
    """What one validation covered, for the report."""

    compiled: list[Compiled] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    fallback: dict[str, str] = field(default_factory=dict)  # target -> the file code scanning can point at
    scope: str = ""  # what the summary adds: which target of how many, what fails the run
    partial_files: frozenset[str] = frozenset()  # see compiler.validate.Options
    live_versions: dict[str, str] = field(default_factory=dict)  # --cluster: target -> "the live cluster ..."
    reused: _Reuse | None = None  # the per-target cache of this run


class _Reuse:
    """The per-target cache (compiler.cache): what earlier runs of this command line found for each target
    whose files are unchanged stands in for compiling and checking it again."""

    def __init__(self, argv: tuple[str, ...], tree: ConfigTree, checker: Checker) -> None:
        from compiler import cache

        self.tree, self.checker = tree, checker
        context = cache.targets_context(list(argv))
        self.name = context[0] if context is not None else ""
        self._context: Any = context[1] if context is not None else None
        self.stored = cache.read_targets(self.name) if context is not None else {}
        self.keys: dict[str, str] = {}  # target -> its key in this run
        self._prints: dict[Path, bytes | None] = {}
        self.hits = 0

    def _print(self, path: Path) -> bytes | None:
        from compiler import cache

        if path not in self._prints:
            self._prints[path] = cache.file_print(path)
        return self._prints[path]

    def find(self, target: Target) -> object | None:
        """The record an earlier run stored for this target with the same files and options (None: none)."""
        from compiler import cache

        if self._context is None:
            return None
        found = cache.target_key(self._context, target.id, self.tree.files(target), self._print)
        if found is None:
            return None
        self.keys[target.id] = found
        return self.stored.get(found)

    def adopt(self, record: object) -> bool:
        """The record stands for its target (False: it is not one; the target is compiled instead)."""
        if self.checker.adopt(record):
            self.hits += 1
            return True
        return False

    def save(self) -> None:
        """Store every target's record, unless the run found a literal secret (its output masks it)."""
        from compiler import cache

        if self._context is None or self.checker.found_secrets:
            return
        records = {}
        for target, found in self.keys.items():
            record = self.checker.record(target)
            if record is not None:
                records[found] = record
        if records.keys() != self.stored.keys():
            cache.write_targets(self.name, records)


def run(options: Options) -> int:
    from compiler import report
    from compiler.validate import Checker
    from compiler.validate import Options as ValidateOptions

    _check_paths(options)
    settings = ValidateOptions(
        brokers=options.brokers,
        kafka_version=options.kafka_version,
        kestra_version=options.kestra_version,
        selection=options.selection,
    )
    checker = Checker(settings)
    if options.cluster is not None:
        covered = _validate_live(options, options.cluster)
    elif options.paths:
        covered = _validate_files(options)
    else:
        covered = _validate_targets(options, checker)  # checks each target as it is compiled
    for compiled in covered.compiled:
        checker.add(compiled)
    outcome = checker.outcome(covered.partial_files)
    if covered.reused is not None:
        covered.reused.save()
    diagnostics = _without_defaults_noise(
        sorted(set(covered.diagnostics + outcome.diagnostics), key=lambda d: d.sort_key)
    )
    scope = covered.scope
    if options.strict and any(d.level == "warning" for d in diagnostics):
        scope += "; --strict: warnings fail the run"
    noun = "file" if options.paths else "target"
    checked = checker.versions
    for target, source in covered.live_versions.items():
        if target in checked and checked[target].kafka_from == "cluster.kafka-version":
            checked[target] = replace(checked[target], kafka_from=source)
    report.write(
        options.format, diagnostics, covered.targets, covered.fallback, noun, scope, outcome.suppressed, checked
    )
    failing = {"error", "warning"} if options.strict else {"error"}
    return EXIT_PROBLEMS if any(d.level in failing for d in diagnostics) else EXIT_OK


# A file in which kkc found no Kestra setting (another tool's config, a chart template) is already said so;
# what Kestra's own defaults would then give is noise about a file nobody meant as Kestra's.
_NOT_KESTRA = ("no-kestra-settings", "helm-template")


def _without_defaults_noise(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    from compiler.keys import BUNDLED_NAME

    unread = {d.target for d in diagnostics if d.rule in _NOT_KESTRA}
    return [d for d in diagnostics if not (d.target in unread and d.file == BUNDLED_NAME)]


def _check_paths(options: Options) -> None:
    for path in options.paths:
        if not path.exists():
            if options.tree.config_dir.is_dir() and "/" not in str(path):
                try:
                    tree = options.tree.load()
                    tree.groups  # noqa: B018 - reads the primary config; a broken one is not this error
                except KkcError:
                    tree = None
                if tree is not None:
                    group_option_alone(tree, str(path))
            raise UsageError(f"no such file: {path} (an override needs '=': key=value)")
        if path.is_dir():
            raise UsageError(f"{path} is a directory; give files, or use --config-dir for a Hydra tree")
    if options.role and not options.paths:
        raise UsageError("--as names the client type of .properties files or the format of YAML files; give the files")


def _validate_files(options: Options) -> _Run:
    from compiler.collection import start_work
    from compiler.layers import display_path
    from compiler.outer import Found, group, read
    from compiler.overrides import parse
    from compiler.pipeline import compile_found
    from compiler.validate import errors_of

    if options.every:
        raise UsageError("--all validates the targets of --config-dir; it cannot be combined with files")
    start_work()
    overrides = [parse(text, i) for i, text in enumerate(options.overrides)]
    forced = options.role if options.role in _FORMATS else None
    done: dict[str, Compiled | list[Diagnostic]] = {}
    found: list[Found] = []
    for path in options.paths:
        target = display_path(path) if _is_yaml(path, options.role) else str(path)
        try:
            if _is_yaml(path, options.role):
                found.append(read(path, target, forced))
            else:
                done[target] = _compile_properties(path, options.role)
        except UsageError:
            raise
        except KkcError as error:
            if isinstance(error, InputError) and path.suffix not in (".yml", ".yaml") and _looks_like_properties(path):
                error.message += (
                    f"; {path} looks like a Kafka .properties file (key=value lines): validate it as one with "
                    "--as admin|consumer|producer|streams"
                )
            done[target] = errors_of(error, target)
    for members in group(found):
        target = members[0].display
        try:
            done[target] = compile_found(target, members, overrides)
        except KkcError as error:
            done[target] = errors_of(error, target)
    covered = _Run()
    shown = [display_path(p) if _is_yaml(p, options.role) else str(p) for p in options.paths]
    for target in sorted(done, key=lambda t: shown.index(t) if t in shown else len(shown)):
        covered.targets.append(target)
        covered.fallback[target] = target
        result = done[target]
        if isinstance(result, list):
            covered.diagnostics.extend(result)
        else:
            covered.compiled.append(result)
    if len(covered.targets) < len(options.paths):
        covered.scope = (
            f" of the {len(options.paths)} given: a values file with the Secrets it mounts, and a directory's "
            "ConfigMaps and Secrets, are read as one configuration"
        )
    return covered


def _is_yaml(path: Path, role: str | None) -> bool:
    """A YAML file (a Kestra config, or a file holding one), not a Kafka client .properties file."""
    if role in _FORMATS:
        return True
    return path.suffix != ".properties" and not role


def _validate_targets(options: Options, checker: Checker | None = None) -> _Run:
    """The targets chosen, compiled; with a checker, each is checked as it is compiled and then dropped
    (a run's memory does not grow with its targets), else they are kept in the run."""
    from compiler.layers import display_path

    if options.role:
        raise UsageError("--as is for .properties files")
    tree = options.tree.load()
    targets, overrides = select_targets(tree, options.overrides, options.every)
    reused = _Reuse(options.argv, tree, checker) if checker is not None and options.cache else None
    compiled, diagnostics = compile_all(tree, targets, overrides, checker, reused, options.jobs)
    ids = [t.id for t in targets]
    covered = _Run(compiled, diagnostics, ids, dict.fromkeys(ids, display_path(tree.primary_path)))
    covered.reused = reused
    ok = set(checker.versions) if checker is not None else {c.target for c in compiled}
    done = [t for t in targets if t.id in ok]
    covered.partial_files = partial_files(tree, done)
    if not options.every:
        every = len(tree.all_targets())
        covered.scope = f" ({ids[0]}" + (f"; --all checks all {every})" if every > 1 else ")")
    return covered


def _validate_live(options: Options, how: Connect) -> _Run:
    """--cluster: each target compiled again with its cluster's facts as the last layer."""
    import sys

    from compiler.live import facts
    from compiler.live.client import available
    from compiler.live.session import Session
    from compiler.pipeline import compile_target

    if options.paths:
        raise UsageError("--cluster validates targets of --config-dir against their cluster; it takes no files")
    if options.brokers is not None or options.kafka_version is not None:
        raise UsageError(
            "--cluster reads the broker count and the Kafka version from the cluster: drop --brokers and "
            "--kafka-version"
        )
    available()
    covered = _validate_targets(options)
    tree = options.tree.load()
    targets, overrides = select_targets(tree, options.overrides, options.every)
    by_id = {t.id: t for t in targets}
    session = Session(how)
    live: list[Compiled] = []
    for compiled in covered.compiled:
        snapshot = session.admin(compiled).snapshot(())
        print(
            f"kkc: {compiled.target}: the live cluster {snapshot.bootstrap}: {facts.summary(snapshot)}", file=sys.stderr
        )
        covered.diagnostics.extend(facts.differences(compiled, snapshot))
        if facts.kafka_version(snapshot) is not None:
            covered.live_versions[compiled.target] = f"the live cluster {snapshot.bootstrap}"
        extra = facts.overrides(snapshot, len(overrides))
        live.append(compile_target(tree, by_id[compiled.target], [*overrides, *extra]))
    covered.compiled = live
    return covered


def _compile_properties(path: Path, role: str | None) -> Compiled:
    from compiler.pipeline import compile_properties

    if role and path.suffix in (".yml", ".yaml"):
        raise UsageError(
            f"--as is for Kafka .properties files; {path} is YAML (a Kestra config): drop --as, or name its "
            f"format ({', '.join(_FORMATS)})"
        )
    if not role and path.stem in ROLES and path.suffix == ".properties":
        role = path.stem  # the names kkc compile writes: admin, consumer, producer, streams.properties
    if not role:
        raise UsageError(
            f"{path} is a .properties file: say which client reads it with --as admin|consumer|producer|streams"
        )
    return compile_properties(path, role)


_PROPERTY_LINE = lazy(r"^\s*[A-Za-z][\w.\-]*\s*=")


def _looks_like_properties(path: Path) -> bool:
    try:
        lines = path.read_text("latin-1").splitlines()[:200]
    except OSError:
        return False
    content = [line for line in lines if line.strip() and not line.lstrip().startswith(("#", "!"))]
    return bool(content) and sum(1 for line in content if _PROPERTY_LINE().match(line)) * 2 >= len(content)
