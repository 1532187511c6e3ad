"""Where `kkc validate --all` spends its time, by stage and by rule family, in one process.

    .venv/bin/python bench/breakdown.py DIR

Runs kkc's own `main(["validate", "--all", "--no-cache", "--jobs", "1", "--config-dir", DIR])` in this
process, with light timers wrapped (at run time, nothing is changed on disk) around each pipeline stage
and each rule family, and prints each one's exclusive time (children subtracted), its share and its cost
per target. Far less overhead than a sampling or tracing profiler, so the shares are those of a real run.
The imports of kkc's modules are timed first; cerberus and ruamel.yaml are imported lazily inside the
stages that need them (structure rules, loading), so their import is counted there.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

_inclusive: dict[str, float] = defaultdict(float)
_children: dict[str, float] = defaultdict(float)
_calls: dict[str, int] = defaultdict(int)
_stack: list[str] = []


def _timed(name: str, fn: Callable[..., Any], materialize: bool = False) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _stack.append(name)
        start = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
            if materialize:
                result = list(result)
            return result
        finally:
            elapsed = time.perf_counter() - start
            _stack.pop()
            _inclusive[name] += elapsed
            _calls[name] += 1
            if _stack:
                _children[_stack[-1]] += elapsed

    return wrapper


def instrument() -> None:
    from compiler import layers, pipeline, report, validate, yamlload
    from compiler.commands import validate as validate_command
    from compiler.rules.base import Rule

    layers.load_file = _timed("load: read + parse YAML files (ruamel.yaml)", yamlload.load_file)
    layers.ConfigTree.options = _timed("targets: list group options (glob per target)", layers.ConfigTree.options)
    layers.ConfigTree.layers = _timed("layers: pick + place a target's layers", layers.ConfigTree.layers)
    pipeline.normalize_layer = _timed("normalize layers (cached per layer)", pipeline.normalize_layer)
    pipeline.merge_layer = _timed("merge layers", pipeline.merge_layer)
    pipeline.apply_overrides = _timed("apply overrides", pipeline.apply_overrides)
    pipeline.read_yaml11_booleans = _timed("yaml 1.1 booleans", pipeline.read_yaml11_booleans)
    pipeline.resolve = _timed("resolve ${...}", pipeline.resolve)
    pipeline.client_properties = _timed("derive: client property sets", pipeline.client_properties)
    pipeline.topic_plan = _timed("derive: topic plan", pipeline.topic_plan)
    pipeline.compile_target = _timed("compile_target (rest)", pipeline.compile_target)
    validate.context = _timed("validate: build contexts", validate.context)
    report.write = _timed("report: format + write diagnostics", report.write)
    validate_command.select_targets = _timed(
        "targets: read config.yaml + enumerate targets", validate_command.select_targets
    )

    wrapped: dict[str, Rule] = {}
    for rule_id, rule in validate.REGISTRY.items():
        name = f"rules: {rule.family}"
        changes: dict[str, Any] = {}
        if rule.check is not None:
            changes["check"] = _timed(name, rule.check, materialize=True)
        if rule.facts is not None:
            changes["facts"] = _timed(name + " (cross-target facts)", rule.facts)
        if rule.check_all is not None:
            changes["check_all"] = _timed(name + " (cross-target)", rule.check_all, materialize=True)
        wrapped[rule_id] = dataclasses.replace(rule, **changes)
    validate.REGISTRY = wrapped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path, metavar="DIR")
    args = parser.parse_args()

    start = time.perf_counter()
    import compiler.cli
    import compiler.commands.validate
    import compiler.pipeline
    import compiler.report
    import compiler.validate  # noqa: F401  (imports the rule registry)

    imports = time.perf_counter() - start
    instrument()
    out = io.StringIO()
    begin = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = compiler.cli.main(
            ["validate", "--all", "--no-cache", "--jobs", "1", "--config-dir", str(args.directory)]
        )
    total = time.perf_counter() - begin
    summary = out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else ""
    targets = max(_calls.get("compile_target (rest)", 1), 1)

    rows = [(name, _inclusive[name] - _children[name], _calls[name]) for name in _inclusive]
    accounted = sum(exclusive for _, exclusive, _ in rows)
    rows.append(("other (CLI, commands, sorting diagnostics)", total - accounted, 1))
    rows.sort(key=lambda r: -r[1])
    print(f"kkc validate --all --config-dir {args.directory}: exit {code}, {summary}")
    print(f"import of kkc's modules: {imports * 1000:.0f} ms; run: {total * 1000:.0f} ms; {targets} targets\n")
    print(f"| {'stage (exclusive time)':<52} | {'ms':>7} | {'share':>6} | {'ms/target':>9} | {'calls':>6} |")
    print(f"|{'-' * 54}|{'-' * 9}|{'-' * 8}|{'-' * 11}|{'-' * 8}|")
    for name, exclusive, calls in rows:
        print(
            f"| {name:<52} | {exclusive * 1000:7.1f} | {exclusive / total:6.1%} | "
            f"{exclusive * 1000 / targets:9.2f} | {calls:6d} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
