"""kkc's own layer engine gives exactly Hydra compose's merged result.

For every target of the example conf/ and of every golden case, Hydra's compose API (the
reference semantics) and kkc's engine (each file loaded once, merged without Hydra) must produce
the same tree, key order included, before kkc's Micronaut normalization and resolution.
Overrides with a bracketed Kafka property name are given to Hydra in its dict form.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from compiler.commands.compile import EMITS
from compiler.layers import ConfigTree, bundled_layer
from compiler.merge import merge_layers
from compiler.overrides import apply, split_args
from tests.conftest import CASES, REPO, case_args

_BRACKET = re.compile(r"^(\+{0,2})([^\[=]+)\[([^\]]+)\]=(.*)$")


def to_hydra(override: str) -> str:
    """`a.b[x.y]=v` is kkc's spelling of Hydra's `a.b={x.y:'v'}`."""
    match = _BRACKET.match(override)
    if not match:
        return override
    plus, parent, key, value = match.groups()
    if not re.fullmatch(r"-?\d+", value):
        value = "'" + value.replace("'", "\\'") + "'"
    return f"{plus}{parent}={{{key}:{value}}}"


def hydra_compose(config_dir: Path, overrides: list[str], work: Path) -> dict[str, Any]:
    """Hydra compose of Kestra's bundled defaults (layer 0), then the user's primary config."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    tree = work / "conf"
    shutil.copytree(config_dir, tree)
    (tree / "kkc_bundled.yaml").write_text(bundled_text())
    (tree / "kkc_root.yaml").write_text("defaults:\n  - kkc_bundled\n  - config\n  - _self_\n")
    with initialize_config_dir(config_dir=str(tree.resolve()), version_base="1.3"):
        cfg = compose(config_name="kkc_root", overrides=[to_hydra(o) for o in overrides])
    result = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(result, dict)
    result.pop("targets", None)  # kkc reads the target list once, not into every target's tree
    return result  # type: ignore[return-value]


def bundled_text() -> str:
    return (resources.files("compiler") / "data" / "kestra-defaults.yaml").read_text("utf-8")


def kkc_merge(config_dir: Path, args: list[str]) -> dict[str, Any]:
    tree = ConfigTree(config_dir)
    choices, overrides = split_args(args, list(tree.groups))
    merged = merge_layers([bundled_layer(), *tree.layers(tree.target(choices))])
    apply(merged, overrides)
    return merged.tree


def _targets(config_dir: Path, extra: list[str]) -> list[list[str]]:
    tree = ConfigTree(config_dir)
    out = []
    for target in tree.all_targets():
        choices = [f"{g}={o}" for g, o in target.choices if o is not None]
        out.append(choices + extra)
    return out


# Micronaut syntax that OmegaConf's grammar rejects: kkc reads it, Hydra cannot compose it at all.
HYDRA_CANNOT_LOAD = {"runtime-placeholders": "token recognition error at: '`'"}

CASE_RUNS = [("conf", REPO / "conf", args) for args in _targets(REPO / "conf", [])]
for case in sorted(CASES.iterdir()):
    if not (case / "args.txt").is_file():
        continue
    given = case_args(case)
    extra = [a for a in given if not a.startswith("--") and a not in EMITS]  # --emit NAME is not an override
    groups = list(ConfigTree(case / "conf").groups)
    if "--all" in given or not any(a.split("=")[0] in groups for a in extra):
        runs = _targets(case / "conf", [a for a in extra if a.split("=")[0] not in groups])
    else:
        runs = [extra]
    CASE_RUNS += [(case.name, case / "conf", args) for args in runs]


@pytest.mark.parametrize(("name", "config_dir", "args"), CASE_RUNS, ids=[f"{n}:{' '.join(a)}" for n, _, a in CASE_RUNS])
def test_engine_matches_hydra_compose(name: str, config_dir: Path, args: list[str], tmp_path: Path) -> None:
    if name in HYDRA_CANNOT_LOAD:
        from hydra.errors import ConfigCompositionException

        with pytest.raises(ConfigCompositionException) as info:
            hydra_compose(config_dir, args, tmp_path)
        assert HYDRA_CANNOT_LOAD[name] in str(info.value.__cause__)
        assert kkc_merge(config_dir, args)
        return
    expected = hydra_compose(config_dir, args, tmp_path)
    actual = kkc_merge(config_dir, args)
    assert json.dumps(actual, indent=1) == json.dumps(expected, indent=1)


def test_every_example_target_is_covered() -> None:
    ids = {" ".join(a) for n, _, a in CASE_RUNS if n == "conf"}
    assert ids == {"env=dev", "env=staging instance=eu1", "env=prod instance=eu1", "env=prod instance=eu2"}


def test_optional_group_without_its_file_and_a_hydra_key(tmp_path: Path) -> None:
    conf = tmp_path / "src"
    (conf / "env").mkdir(parents=True)
    (conf / "instance").mkdir()
    (conf / "config.yaml").write_text(
        "defaults:\n  - _self_\n  - env: dev\n  - optional instance: eu9\nhydra:\n  job:\n    name: x\n"
        "kestra:\n  queue:\n    type: kafka\n"
    )
    (conf / "env" / "dev.yaml").write_text("# @package _global_\ncluster:\n  brokers: 1\n")
    expected = hydra_compose(conf, [], tmp_path / "hydra")
    assert json.dumps(kkc_merge(conf, []), indent=1) == json.dumps(expected, indent=1)


def test_a_list_over_a_mapping_is_refused_by_both(tmp_path: Path) -> None:
    from compiler.errors import InputError

    conf = tmp_path / "src"
    (conf / "env").mkdir(parents=True)
    (conf / "config.yaml").write_text("defaults:\n  - _self_\n  - env: dev\ncluster:\n  name: a\n")
    (conf / "env" / "dev.yaml").write_text("# @package _global_\ncluster: [a]\n")
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        hydra_compose(conf, [], tmp_path / "hydra")
    with pytest.raises(InputError, match="'cluster' must be a mapping, not list"):
        kkc_merge(conf, [])


# --- Hydra's and OmegaConf's resolvers --------------------------------------------------------------
#
# kkc writes ${oc.env:VAR} as the Micronaut placeholder ${VAR} and evaluates oc.select, oc.decode and
# oc.deprecated at compile time. Each form below is composed and resolved by Hydra with an environment,
# and compiled by kkc, whose value is then resolved from the same environment as Micronaut would.

RESOLVER_CONFIG = """\
defaults:
  - _self_
  - env: dev
kestra:
  kafka:
    client:
      properties:
        bootstrap.servers: kafka:9092
  x:
    rf: 3
    prefix: p_
    flag: true
    hosts: [b1, b2]
    v: {value}
"""
_MICRONAUT_ESCAPED = re.compile(r"(.+)?:`([^`]+?)`")


def micronaut(value: Any, env: dict[str, str]) -> Any:
    """A compiled value as Kestra reads it, with Micronaut's DefaultPropertyPlaceholderResolver over `env`.

    A placeholder ends at its first '}'; its text is trimmed; `A:B:c` tries A, then B, then gives `c`; a
    last default in backticks is literal; a variable is read by an upper-case name, and only when not empty.
    """
    if not isinstance(value, str):
        return value
    out: list[str] = []
    rest = value
    while (start := rest.find("${")) >= 0:
        out.append(rest[:start])
        rest = rest[start + 2 :]
        end = rest.find("}")
        assert end >= 0, f"Incomplete placeholder definitions detected: {value}"
        names, default = _expressions(rest[:end].strip())
        found = [env[n] for n in names if re.fullmatch(r"[A-Z0-9_]+", n) and env.get(n)]
        if not found and default is None:
            raise LookupError(f"Could not resolve placeholder ${{{rest[:end]}}}")
        out.append(found[0] if found else str(default))
        rest = rest[end + 1 :]
    out.append(rest)
    return "".join(out)


def _expressions(expr: str) -> tuple[list[str], str | None]:
    escaped = _MICRONAUT_ESCAPED.search(expr)
    if escaped:
        return [escaped.group(1)], escaped.group(2)
    name, colon, default = expr.partition(":")
    if not colon:
        return [name], None
    if _MICRONAUT_ESCAPED.search(default) or ":" in default:
        names, last = _expressions(default)
        return [name, *names], last
    return [name], default


def _resolver_tree(tmp_path: Path, value: str) -> Path:
    conf = tmp_path / "src"
    (conf / "env").mkdir(parents=True)
    (conf / "config.yaml").write_text(RESOLVER_CONFIG.format(value=json.dumps(value)))
    (conf / "env" / "dev.yaml").write_text("# @package _global_\ncluster:\n  brokers: 3\n")
    return conf


def _hydra_value(conf: Path, overrides: list[str], work: Path, key: str) -> Any:
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with initialize_config_dir(config_dir=str(conf.resolve()), version_base="1.3"):
        cfg = compose(config_name="config", overrides=overrides)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oc.deprecated's own warning
        return OmegaConf.select(cfg, key, throw_on_resolution_failure=True)


def _kkc_value(conf: Path, args: list[str], key: str) -> Any:
    from compiler.keys import get_path
    from compiler.pipeline import compile_target

    tree = ConfigTree(conf)
    choices, overrides = split_args(args, list(tree.groups))
    compiled = compile_target(tree, tree.target(choices), overrides)
    return get_path(compiled.resolved.tree, tuple(key.split(".")))


T, U = "KKC_T", "KKC_U"
NONE: dict[str, str] = {}
T_SET = {T: "from-t"}
BOTH = {T: "from-t", U: "from-u"}
U_SET = {U: "from-u"}

RESOLVER_FORMS = [
    ("${oc.env:KKC_T}", [NONE, T_SET]),
    ("${oc.env:KKC_T,fallback}", [NONE, T_SET]),
    ("${oc.env:KKC_T,'localhost:9092'}", [NONE, T_SET]),
    ("${oc.env:KKC_T,localhost:9092}", [NONE]),
    ('${oc.env:KKC_T,"b1:9092,b2:9092"}', [NONE, T_SET]),
    ("${oc.env:KKC_T,a\\,b}", [NONE]),
    ("${oc.env:KKC_T,''}", [NONE, T_SET]),
    ("${oc.env:KKC_T,}", [NONE]),
    ("${oc.env:KKC_T,42}", [NONE]),
    ("${oc.env:KKC_T,true}", [NONE]),
    ("${oc.env:KKC_T,1.5}", [NONE]),
    ("${oc.env:KKC_T,  spaced  }", [NONE]),
    ("${oc.env:KKC_T,' padded '}", [NONE]),
    ("${ oc.env : KKC_T , x }", [NONE, T_SET]),
    ("${oc.env:KKC_T,${kestra.x.prefix}}", [NONE, T_SET]),
    ("${oc.env:KKC_T,${kestra.x.rf}}", [NONE]),
    ("${oc.env:KKC_T,${.prefix}}", [NONE]),
    ("${oc.env:KKC_T,${oc.env:KKC_U,last}}", [NONE, T_SET, U_SET, BOTH]),
    ("${oc.env:KKC_T,${oc.env:KKC_U,${kestra.x.prefix}}}", [NONE, U_SET]),
    ("x-${oc.env:KKC_T,d}-y", [NONE, T_SET]),
    ("${oc.env:KKC_T,d}:${oc.env:KKC_U,e}", [NONE, BOTH]),
    ("${kestra.x.prefix}${oc.env:KKC_T,d}", [NONE, T_SET]),
    ("'${oc.env:KKC_T,q}'", [NONE]),
    ("${oc.select:kestra.x.prefix,fb}", [NONE]),
    ("${oc.select:kestra.x.nope,fb}", [NONE]),
    ("${oc.select:kestra.x.nope}", [NONE]),
    ("${oc.select:kestra.x.rf}", [NONE]),
    ("${oc.select:kestra.x.rf,7}", [NONE]),
    ("${oc.select:kestra.x.nope,7}", [NONE]),
    ("${oc.select:.prefix,fb}", [NONE]),
    ("${oc.select:'kestra.kafka.client.properties[bootstrap.servers]'}", [NONE]),
    ("${oc.select:kestra.kafka.client.properties[bootstrap.servers]}", [NONE]),
    ("${oc.select:kestra.x.prefix.deeper,fb}", [NONE]),
    ("${oc.select:kestra.x.nope,${oc.env:KKC_T,d}}", [NONE, T_SET]),
    ("${oc.select:kestra.x.${kestra.x.prefix},fb}", [NONE]),
    ("${oc.select:kestra.x.flag}", [NONE]),
    ("${oc.select:kestra.x.hosts.1}", [NONE]),
    ("${oc.select:'kestra.x.hosts[0]'}", [NONE]),
    ("${oc.select:kestra.x.hosts.2,fb}", [NONE]),
    ("pre-${oc.select:kestra.x.flag}-${oc.select:kestra.x.nope}", [NONE]),
    ("${oc.decode:'42'}", [NONE]),
    ("${oc.decode:'true'}", [NONE]),
    ("${oc.decode:'3.5'}", [NONE]),
    ("${oc.decode:null}", [NONE]),
    ("${oc.decode:'${kestra.x.rf}'}", [NONE]),
    ("${oc.decode:'\"quoted\"'}", [NONE]),
    ("${oc.deprecated:kestra.x.prefix}", [NONE]),
    ("${oc.deprecated:kestra.x.rf,'use $NEW_KEY'}", [NONE]),
    # OmegaConf's escape: the literal text ${...} is for Kestra to resolve
    ("\\${KKC_T}", [NONE, T_SET]),
    ("\\${KKC_T:fb}", [NONE, T_SET]),
    ("\\${KKC_T:${kestra.x.prefix}}", [NONE, T_SET]),
    ("x-\\${KKC_T:d}-${oc.env:KKC_U,e}", [NONE, BOTH]),
    ("\\\\${kestra.x.prefix}", [NONE]),
    ("\\\\\\${KKC_T:d}", [NONE]),
]
RESOLVER_RUNS = [
    pytest.param(value, env, id=f"{value} [{','.join(f'{k}={v}' for k, v in env.items()) or 'no env'}]")
    for value, envs in RESOLVER_FORMS
    for env in envs
]


def _compare(conf: Path, args: list[str], key: str, env: dict[str, str], work: Path) -> None:
    from compiler.errors import KkcError

    try:
        # Hydra's value holds ${...} only as escaped text, which Kestra resolves in turn.
        expected: Any = micronaut(_hydra_value(conf, args, work, key), env)
    except Exception as exc:  # noqa: BLE001 - Hydra (or Kestra) refuses it: so must kkc, or Kestra at start-up
        expected = exc
    if isinstance(expected, Exception):
        with pytest.raises((KkcError, LookupError)):
            micronaut(_kkc_value(conf, args, key), env)
        return
    compiled = _kkc_value(conf, args, key)
    actual = micronaut(compiled, env)
    assert (actual, type(actual)) == (expected, type(expected)), f"kkc wrote {compiled!r}"


@pytest.mark.parametrize(("value", "env"), RESOLVER_RUNS)
def test_resolvers_mean_what_hydra_means(
    value: str, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (T, U):
        monkeypatch.delenv(name, raising=False)
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    _compare(_resolver_tree(tmp_path, value), ["env=dev"], "kestra.x.v", env, tmp_path)


@pytest.mark.parametrize(
    ("override", "env"),
    [
        pytest.param("+kestra.x.w=${oc.env:KKC_T,fallback}", NONE, id="oc.env"),
        pytest.param("+kestra.x.w=${oc.env:KKC_T,fallback}", T_SET, id="oc.env-set"),
        pytest.param("+kestra.x.w=${oc.env:KKC_T,'a:b'}", NONE, id="oc.env-quoted-default"),
        pytest.param("+kestra.x.w=${oc.select:kestra.x.prefix,fb}", NONE, id="oc.select"),
        pytest.param("kestra.x.prefix=${oc.env:KKC_T,q_}", T_SET, id="replacing-a-value"),
        pytest.param("+kestra.x.w=\\${KKC_T:fb}", NONE, id="escaped"),
    ],
)
def test_resolvers_in_overrides_mean_what_hydra_means(
    override: str, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(T, raising=False)
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)
    key = override.lstrip("+").partition("=")[0]
    _compare(_resolver_tree(tmp_path, "unused"), ["env=dev", override], key, env, tmp_path)


class Refused(str):
    """Hydra fails: its message holds this text."""


@pytest.mark.parametrize(
    ("value", "hydra_gives", "rule"),
    [
        pytest.param("${oc.env:KKC_T,null}", None, "resolver-unsupported", id="null-default"),
        pytest.param("${oc.env:kkc_lower,d}", "d", "resolver-unsupported", id="lower-case-variable"),
        pytest.param("${oc.env:KKC_T,'a}b'}", "a}b", "resolver-unsupported", id="brace-in-default"),
        pytest.param(
            "${oc.env:KKC_T,${oc.env:KKC_U}}",
            Refused("Environment variable 'KKC_U' not found"),
            "resolver-unsupported",
            id="chain-without-default",
        ),
        pytest.param("${oc.decode:${oc.env:KKC_T,'7'}}", 7, "resolver-unsupported", id="decode-of-run-time"),
        pytest.param("${oc.create:{a:1}}", {"a": 1}, "resolver-unsupported", id="create"),
        pytest.param("${oc.dict.keys:kestra.kafka}", ["client"], "resolver-unsupported", id="keys"),
        pytest.param(
            "${oc.select:kestra.kafka.client}",
            {"properties": {"bootstrap.servers": "kafka:9092"}},
            "reference-not-a-value",
            id="select-mapping",
        ),
        pytest.param(
            "${hydra:runtime.choices.env}", Refused("HydraConfig was not set"), "resolver-unsupported", id="hydra"
        ),
        pytest.param("${now:%Y}", str, "resolver-unsupported", id="now"),
        pytest.param(
            "${oc.evn:KKC_T}", Refused("Unsupported interpolation type oc.evn"), "resolver-invalid", id="unknown-oc"
        ),
        pytest.param(
            "${oc.env:KKC_T,a,b}", Refused("takes from 1 to 2 positional arguments"), "resolver-invalid", id="3-args"
        ),
        pytest.param(
            "${oc.deprecated:kestra.x.nope}", Refused("Key not found: 'kestra.x.nope'"), "resolver-invalid", id="gone"
        ),
        pytest.param(
            "${oc.select:kestra.kafka.client.properties.bootstrap.servers,fb}",
            "fb",
            "resolver-invalid",
            id="select-dotted-property-name",
        ),
    ],
)
def test_what_kkc_cannot_compile_faithfully_stops_it(
    value: str, hydra_gives: Any, rule: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hydra's value, and kkc's refusal (nothing compiled) where Kestra would get another meaning or none."""
    from omegaconf import Container, OmegaConf

    from compiler.errors import ProblemList

    monkeypatch.delenv(T, raising=False)
    monkeypatch.delenv(U, raising=False)
    conf = _resolver_tree(tmp_path, value)
    if isinstance(hydra_gives, Refused):
        with pytest.raises(Exception, match=re.escape(hydra_gives)):
            _hydra_value(conf, ["env=dev"], tmp_path, "kestra.x.v")
    else:
        got = _hydra_value(conf, ["env=dev"], tmp_path, "kestra.x.v")
        if isinstance(got, Container):
            got = OmegaConf.to_container(got, resolve=True)
        if isinstance(hydra_gives, type):
            assert isinstance(got, hydra_gives)
        else:
            assert (got, type(got)) == (hydra_gives, type(hydra_gives))
    with pytest.raises(ProblemList) as refused:
        _kkc_value(conf, ["env=dev"], "kestra.x.v")
    assert [p.rule for p in refused.value.problems] == [rule]
