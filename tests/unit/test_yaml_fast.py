"""The libyaml fast path of the loader (issue 16) reads every file exactly as the pure-Python path does.

Each input is loaded twice, once as kkc does (libyaml where it is safe) and once with the fast path
turned off: the data, every key's position, the YAML 1.1 look-alikes, the package header, the
directives and any error must be the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from compiler import yamlload
from compiler.errors import InputError
from tests.conftest import REPO

SHARED = REPO.parent / "shared"


def _outcome(text: str, fast: bool) -> Any:
    saved = yamlload._compose_fast
    if not fast:
        yamlload._compose_fast = lambda text: None  # type: ignore[assignment]
    try:
        docs = yamlload.load_text(text, "f.yaml", multi=True)
    except InputError as error:
        return ("error", error.rule, str(error))
    finally:
        yamlload._compose_fast = saved
    return [(d.data, d.positions, d.lookalikes, d.package, d.directives) for d in docs]


def _same(text: str) -> None:
    assert _outcome(text, fast=True) == _outcome(text, fast=False)


def _yaml_files() -> list[Path]:
    roots = [REPO / "tests", REPO / "golden", REPO / "docs", REPO / "conf", REPO / "compiler" / "data", SHARED]
    found = {p for root in roots if root.is_dir() for p in root.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")}
    return sorted(found)


def test_the_fast_path_is_taken_for_ordinary_files() -> None:
    text = (REPO / "compiler" / "data" / "kestra-defaults.yaml").read_text()
    assert yamlload._compose_fast(text) is not None


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_yaml_file_of_the_repository_loads_the_same(path: Path) -> None:
    _same(path.read_text("utf-8", "replace"))


EDGE_CASES = [
    "",
    "---\n",
    "a: 1\n---\nb: 2\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: &x 1\nb: &x 2\nc: *x\n",  # a reused anchor: libyaml refuses, the pure path accepts
    "a: *missing\n",
    "a: 'unclosed\n",
    "a: [1, 2\n",
    "a:\n\t- b\n",
    "%YAML 1.1\n---\na: yes\n",
    "a: yes\nb: on\nc: 010\nd: 12:30\ne: 1_000\nf: 0o17\ng: 0x1F\nh: .inf\ni: ~\nj: 2026-01-02\n",
    "a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !custom x\n",
    "a: 1\na: 2\n",
    "? [a, b]\n: c\n",
    "<<: {a: 1}\nb: 2\n",
    "a: b: c\n",
    "- - - x\n",
    "k: " + "[" * 60 + "]" * 60 + "\n",
    "k: " + "[" * 150 + "]" * 150 + "\n",
    "a: \"é€ \\u00e9\"\nb: 'it''s'\nc: |\n  line\n  two\nd: >-\n  folded\n  text\n",
    "a: x # kkc: disable=some-rule\nb: '# not a comment'\n",
    "a: \x85b\n",
    "a:\r\n  b: 1\r\n",
    "\ufeffa: 1\n",
    "a: [x, {b: c}, ~, '', \"\"]\n",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_load_the_same(text: str) -> None:
    _same(text)


def test_deep_nesting_never_reaches_libyaml() -> None:
    """libyaml composes recursively in C: 100,000 open brackets would crash the process."""
    deep = "k: " + "[" * 100_000 + "]" * 100_000 + "\n"
    assert yamlload._compose_fast(deep) is None
    compact = "".join("  " * i + "- \n" for i in range(200))
    assert yamlload._compose_fast(compact) is None


_scalars = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(_scalars, _scalars), max_size=5))
def test_generated_mappings_load_the_same(pairs: list[tuple[str, str]]) -> None:
    text = "".join(f"{k}: {v}\n" for k, v in pairs)
    _same(text)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab :-[]{},'\"#&*!|>\n\r\t?%.0\\", max_size=40))
@example(">\n#")  # a block scalar as the whole document: libyaml read '', the pure path '#'
def test_generated_yaml_fragments_load_the_same(text: str) -> None:
    _same(text)


def test_many_flow_mappings_take_the_fast_path_when_shallow() -> None:
    """A `targets:` list of 1,000 {env, instance} mappings: the quick bound fails, libyaml's events clear it."""
    text = "targets:\n" + "".join(f"  - {{env: dev, instance: i{k}}}\n" for k in range(1000))
    assert yamlload._compose_fast(text) is not None
    _same(text)
    nested = "k: " + "[" * 101 + "]" * 101 + "\n"
    assert yamlload._compose_fast(nested) is None
    _same(nested)
