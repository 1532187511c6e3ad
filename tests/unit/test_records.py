"""@record behaves as @dataclass(frozen=True) does where kkc's code and users can tell."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
from dataclasses import dataclass, field, fields, make_dataclass, replace
from pathlib import Path

import pytest

from compiler.records import record


@record
class Point:
    x: int
    y: str = "a"
    tags: tuple[str, ...] = ()
    note: str = field(default="", compare=False)
    weight: dict[str, int] = field(default_factory=dict, hash=False)


# The same fields as Point, as a frozen dataclass: what a record must behave like.
FrozenPoint = make_dataclass(
    "FrozenPoint",
    [
        (f.name, f.type, field(default=f.default, default_factory=f.default_factory, compare=f.compare, hash=f.hash))
        for f in fields(Point)
    ],
    frozen=True,
)


@record(slots=True)
class Slotted:
    a: int
    b: int = 2


@record(kw_only=True)
class Named:
    a: int
    b: int = 2


@record
class OwnRepr:
    a: int

    def __repr__(self) -> str:
        return "mine"


@record
class Empty:
    pass


@pytest.mark.parametrize(
    "args",
    [
        (1,),
        (1, "b"),
        (1, "b", ("t",)),
        (2, "c", (), "a note"),
        (3, "d", ("u", "v"), "n", {}),
    ],
)
def test_repr_eq_hash_as_a_frozen_dataclass(args: tuple[object, ...]) -> None:
    got, want = Point(*args), FrozenPoint(*args)  # type: ignore[arg-type]
    assert repr(got) == repr(want).replace("FrozenPoint", "Point")
    assert hash(got) == hash(want)
    assert got == Point(*args)  # type: ignore[arg-type]
    assert {got: 1}[Point(*args)] == 1  # type: ignore[arg-type]


def test_eq_skips_compare_false_and_other_classes() -> None:
    assert Point(1, note="x") == Point(1, note="y")
    assert Point(1) != Point(2)
    assert Point(1) != FrozenPoint(1)  # type: ignore[comparison-overlap]
    assert (Point(1) == (1, "a")) is False  # type: ignore[comparison-overlap]


def test_hash_skips_hash_false_fields() -> None:
    assert hash(Point(1, weight={"a": 1})) == hash(Point(1))


def test_dataclass_features_kept() -> None:
    assert [f.name for f in fields(Point)] == ["x", "y", "tags", "note", "weight"]
    assert replace(Point(1), y="z") == Point(1, "z")
    assert Point(1).weight is not Point(1).weight
    assert Point.__match_args__ == ("x", "y", "tags", "note", "weight")
    assert pickle.loads(pickle.dumps(Point(1, "q"))) == Point(1, "q")
    assert Point.__doc__ == "Point"


def test_slots_kw_only_own_methods_and_no_fields() -> None:
    assert not hasattr(Slotted(1), "__dict__")
    assert repr(Slotted(1)) == "Slotted(a=1, b=2)"
    assert pickle.loads(pickle.dumps(Slotted(1, 3))) == Slotted(1, 3)
    with pytest.raises(TypeError):
        Named(1)  # type: ignore[call-arg]
    assert Named(a=1) == Named(a=1, b=2)
    assert repr(OwnRepr(1)) == "mine"
    assert Empty() == Empty() and hash(Empty()) == hash(Empty()) and repr(Empty()) == "Empty()"


def test_mypy_refuses_assigning_a_field(tmp_path: Path) -> None:
    """What frozen=True checked at run time, mypy --strict (run over compiler/ by test_lint) refuses."""
    mypy = shutil.which("mypy", path=str(Path(sys.executable).parent)) or shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    source = tmp_path / "assign.py"
    source.write_text(
        "from compiler.records import record\n\n\n@record\nclass R:\n    a: int\n\n\nR(1).a = 2\n", encoding="utf-8"
    )
    proc = subprocess.run(
        [mypy, "--strict", "--no-incremental", "--cache-dir", "/dev/null", str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'Property "a" defined in "R" is read-only' in proc.stdout


@record(frozen=False)
class Counter:
    name: str
    seen: int = 0


def test_a_mutable_record_is_a_mutable_dataclass() -> None:
    counter = Counter("a")
    counter.seen += 1
    assert counter == Counter("a", 1) and repr(counter) == "Counter(name='a', seen=1)"
    assert Counter.__hash__ is None
    with pytest.raises(TypeError):
        hash(counter)


@record(frozen=False)
class Node:
    name: str
    children: list[Node] = field(default_factory=list)


@dataclass
class PlainNode:
    name: str
    children: list[PlainNode] = field(default_factory=list)


def test_a_record_holding_itself_prints_as_a_dataclass_does() -> None:
    node, plain = Node("a"), PlainNode("a")
    node.children.append(node)
    plain.children.append(plain)
    assert repr(node) == repr(plain).replace("PlainNode", "Node") == "Node(name='a', children=[...])"
