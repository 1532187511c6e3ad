"""Output formats for diagnostics, chosen by name: text, json, github, sarif."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from compiler import __version__
from compiler.diagnostics import LEVELS, Diagnostic, Suppressed, summary
from compiler.kestra_versions import Checked

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}


def use_colour(stream: Any) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _concerns(where: list[str], targets: list[str], noun: str) -> str:
    """Which targets (or files) a finding concerns, when the run covers several."""
    named = list(dict.fromkeys(t for t in where if t))
    if len(targets) < 2 or not named:
        return ""
    if len(named) == 1:
        return f" ({noun} {named[0]})"
    if len(named) == len(targets):
        return f" (all {len(named)} {noun}s)"
    return f" ({len(named)} {noun}s: {', '.join(named)})"


def grouped(diagnostics: list[Diagnostic]) -> dict[tuple[str, int, int, str, str, str, str], list[str]]:
    """One entry per finding, with the targets it concerns, in the order of the diagnostics."""
    groups: dict[tuple[str, int, int, str, str, str, str], list[str]] = {}
    for d in diagnostics:
        groups.setdefault((d.file, d.line, d.column, d.level, d.rule, d.message, d.key), []).append(d.target)
    return groups


def counts(diagnostics: list[Diagnostic]) -> dict[str, int]:
    """Findings per level, a finding shared by several targets counted once (as the text shows it)."""
    found = dict.fromkeys(LEVELS, 0)
    for key in grouped(diagnostics):
        found[key[3]] += 1
    return found


def header(checked: dict[str, Checked]) -> list[str]:
    """What the targets were checked against: one line, or one per group of targets that differ."""
    groups: dict[str, list[str]] = {}
    for target, versions in checked.items():
        groups.setdefault(versions.describe(), []).append(target)
    if len(groups) == 1:
        return list(groups)
    return [f"{line} ({', '.join(t or '<input>' for t in targets)})" for line, targets in groups.items()]


def _versions_doc(checked: dict[str, Checked]) -> dict[str, dict[str, Any]]:
    return {
        target: {
            "kestra": v.kestra.text if v.kestra else None,
            "kestra-from": v.kestra_from or ("assumed" if v.kestra else None),
            "kafka": list(dict.fromkeys(v.kafka)),
            "kafka-from": v.kafka_from or ("kestra" if v.kestra else "assumed"),
        }
        for target, v in checked.items()
    }


def text(
    diagnostics: list[Diagnostic],
    targets: list[str],
    colour: bool = False,
    noun: str = "target",
    scope: str = "",
    suppressed: Sequence[Suppressed] = (),
    heading: list[str] | None = None,
) -> str:
    """`file:line:col: level [rule] message`; one line, and one count, for a problem shared by targets."""
    from compiler.keys import BUNDLED_NAME

    lines = list(heading or [])
    for (file, line, column, level, rule, message, key), where in grouped(diagnostics).items():
        place = f"{file}:{line}:{column}" if line else (file or where[0] or "<input>")
        if file == BUNDLED_NAME and key:
            message += f" [{key}: Kestra's bundled default, in none of your files]"
        shown = f"{_COLOURS[level]}{level}\033[0m" if colour else level
        lines.append(f"{place}: {shown} [{rule}] {message}{_concerns(where, targets, noun)}")
    found = counts(diagnostics)
    lines.append(
        f"{_plural(found['error'], 'error')}, {_plural(found['warning'], 'warning')}, "
        f"{_plural(found['info'], 'info')} in {_plural(len(targets), noun)}"
        + _with_suppressed(scope, len(grouped([s.diagnostic for s in suppressed])))
    )
    return "\n".join(lines) + "\n"


def _with_suppressed(scope: str, silenced: int) -> str:
    """The summary's scope, saying how many findings inline comments silenced (counted as the lines are)."""
    if not silenced:
        return scope
    if scope.startswith(" (") and ")" in scope:
        close = scope.index(")")
        return f"{scope[:close]}; {silenced} suppressed{scope[close:]}"
    return f" ({silenced} suppressed){scope}"


def as_json(
    diagnostics: list[Diagnostic],
    targets: list[str],
    colour: bool = False,
    suppressed: Sequence[Suppressed] = (),
    checked: dict[str, Checked] | None = None,
) -> str:
    """One record per target; the suppressed findings, if any, in their own list with the comment's reason."""
    doc: dict[str, Any] = {"diagnostics": [d.to_dict() for d in diagnostics]}
    if suppressed:
        doc["suppressed"] = [s.to_dict() for s in suppressed]
    doc["summary"] = summary(diagnostics) | ({"suppressed": len(suppressed)} if suppressed else {})
    if checked:
        doc["checked-as"] = _versions_doc(checked)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _gh_escape(value: str, prop: bool) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(diagnostics: list[Diagnostic], targets: list[str], colour: bool = False) -> str:
    """GitHub Actions workflow commands: one annotation per finding, on its file and line."""
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    for (file, line, column, level, rule, message, _), where in grouped(diagnostics).items():
        props = []
        if file and line and not file.startswith("<"):  # <kestra-defaults>, <override ...>: no file
            props += [f"file={_gh_escape(file, True)}", f"line={line}", f"col={column}"]
        elif file.startswith("<"):
            message = f"({file}) {message}"
        props.append(f"title={_gh_escape(rule, True)}")
        named = list(dict.fromkeys(t for t in where if t))
        target = f"[{', '.join(named)}] " if named and len(targets) > 1 else ""
        lines.append(f"::{kinds[level]} {','.join(props)}::{_gh_escape(target + message, False)}")
    return "\n".join(lines) + ("\n" if lines else "")


def sarif(
    diagnostics: list[Diagnostic],
    targets: list[str],
    colour: bool = False,
    suppressed: Sequence[Suppressed] = (),
    checked: dict[str, Checked] | None = None,
) -> str:
    """SARIF 2.1.0; a finding an inline comment silenced is a result with an inSource suppression."""
    from compiler.rules import REGISTRY

    levels = {"error": "error", "warning": "warning", "info": "note"}
    reasons: list[str | None] = [None] * len(diagnostics) + [s.reason for s in suppressed]
    diagnostics = [*diagnostics, *(s.diagnostic for s in suppressed)]
    used = sorted({d.rule for d in diagnostics})
    rules = []
    for rule_id in used:
        rule = REGISTRY.get(rule_id)
        rules.append(
            {
                "id": rule_id,
                "shortDescription": {"text": rule.summary if rule else rule_id.replace("-", " ")},
                "defaultConfiguration": {"level": levels[rule.level] if rule else "error"},
            }
        )
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = []
    for d, reason in zip(diagnostics, reasons, strict=True):
        result: dict[str, Any] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": levels[d.level],
            "message": {"text": d.message},
            "properties": {"target": d.target, "key": d.key},
        }
        if d.file and not d.file.startswith("<"):
            location: dict[str, Any] = {"artifactLocation": {"uri": d.file.replace(os.sep, "/")}}
            if d.line:
                location["region"] = {"startLine": d.line, "startColumn": max(d.column, 1)}
            result["locations"] = [{"physicalLocation": location}]
        if reason is not None:
            result["suppressions"] = [{"kind": "inSource", "justification": reason or "(no reason given)"}]
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "kkc", "version": __version__, "rules": rules}},
                "results": results,
                **({"properties": {"checked-as": _versions_doc(checked)}} if checked else {}),
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[..., str]] = {"text": text, "json": as_json, "github": github, "sarif": sarif}


def anchored(diagnostics: list[Diagnostic], fallback: dict[str, str], overrides: bool = True) -> list[Diagnostic]:
    """For code-scanning formats, which need a file: a problem located in Kestra's bundled defaults
    or an override is placed at line 1 of the target's own file, saying where it really is.
    `overrides=False` (GitHub annotations, which may have no file) leaves a command-line problem unplaced:
    no line of any file is the cause."""
    from dataclasses import replace

    out = []
    for d in diagnostics:
        home = fallback.get(d.target)
        command_line = not d.file or d.file.startswith("<override")
        if home and (not d.file or d.file.startswith("<")) and (overrides or not command_line):
            where = f"{d.file}:{d.line}:{d.column}" if d.file and d.line else d.file or "the command line"
            message = f"({where}) {d.message}" if where else d.message
            d = replace(d, file=home, line=1, column=1, message=message)
        out.append(d)
    return out


def write(
    fmt: str,
    diagnostics: list[Diagnostic],
    targets: list[str],
    fallback: dict[str, str] | None = None,
    noun: str = "target",
    scope: str = "",
    suppressed: Sequence[Suppressed] = (),
    checked: dict[str, Checked] | None = None,
) -> None:
    if fmt in ("github", "sarif") and fallback:
        diagnostics = anchored(diagnostics, fallback, overrides=fmt == "sarif")
    if fmt == "text":
        heading = header(checked) if checked else None
        sys.stdout.write(text(diagnostics, targets, use_colour(sys.stdout), noun, scope, suppressed, heading))
    elif fmt in ("json", "sarif"):
        sys.stdout.write(FORMATS[fmt](diagnostics, targets, use_colour(sys.stdout), suppressed, checked))
    else:  # GitHub annotations show what needs attention: a suppressed finding does not
        sys.stdout.write(FORMATS[fmt](diagnostics, targets, use_colour(sys.stdout)))
