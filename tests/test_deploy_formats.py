"""Kestra's configuration where it is deployed, read and written: Helm chart values (chart 1.x and 0.x
layouts), compose files' KESTRA_CONFIGURATION, ConfigMap and Secret manifests, chart templates.

Findings must point at the line and column of the outer file; the written manifests must be what the
Kubernetes API accepts (checked with the schemas the kubernetes-validate package ships, no download).
The Kestra chart has no values.schema.json (neither 1.0.54, commit 2faf81ea1b19, nor 0.24.4, commit
bea76253b5f8, of github.com/kestra-io/helm-charts), so the values fragment is checked against the layout
the chart's templates read instead (see test_helm_values_layout_is_what_the_chart_reads)."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import CASES, SHARED, kkc, missing_shared

CORPUS = SHARED / "corpus"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def diagnostics(*args: str, cwd: Path | None = None) -> tuple[int, list[dict[str, Any]]]:
    run = kkc("validate", *args, "--format", "json", cwd=cwd)
    assert run.code in (0, 1), run.err
    return run.code, json.loads(run.out)["diagnostics"]


def found(diags: list[dict[str, Any]], rule: str) -> list[tuple[str, int, int, str]]:
    return [(Path(d["file"]).name, d["line"], d["column"], d["level"]) for d in diags if d["rule"] == rule]


def corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(missing_shared(path))
    return path


# --- compose files ----------------------------------------------------------------------------------

COMPOSE = """\
services:
  kafka:
    image: apache/kafka:4.1.0
  kestra:
    image: kestra/kestra:latest
    environment:
      KESTRA_CONFIGURATION: |
        kestra:
          queue:
            type: kafka
          kafka:
            client:
              properties:
                bootstrap.servers: kafka:9092
                acks: ALL
"""


def test_compose_findings_are_at_the_compose_files_lines(tmp_path: Path) -> None:
    code, diags = diagnostics(str(write(tmp_path / "docker-compose.yml", COMPOSE)))
    assert code == 1
    # line 15 of the compose file, column 17: where `acks` is written inside the block scalar
    assert found(diags, "invalid-property-value") == [("docker-compose.yml", 15, 17, "error")]


def test_compose_list_environment_and_quoted_text(tmp_path: Path) -> None:
    listed = (
        "services:\n  kestra:\n    image: kestra/kestra:latest\n    environment:\n"
        '      - "KESTRA_CONFIGURATION=kestra: {queue: {type: kafka}, kafka: {client: {properties: '
        '{bootstrap.servers: kafka:9092, acks: ALL}}}}"\n'
    )
    code, diags = diagnostics(str(write(tmp_path / "compose.yaml", listed)))
    assert code == 1
    [diag] = [d for d in diags if d["rule"] == "invalid-property-value"]
    # a quoted string cannot be mapped line for line: the finding is at the list item, and says where inside
    assert (diag["line"], diag["column"]) == (5, 9)
    assert "of the KESTRA_CONFIGURATION text" in diag["message"]


def test_compose_interpolation_is_compose_s_not_kestra_s(tmp_path: Path) -> None:
    text = COMPOSE.replace("acks: ALL", "sasl.mechanism: ${MECHANISM}").replace(
        "kafka:9092", "${KAFKA_BOOTSTRAP:kafka:9092}"
    )
    code, diags = diagnostics(str(write(tmp_path / "docker-compose.yml", text)))
    assert code == 1
    assert found(diags, "compose-interpolation-invalid") == [("docker-compose.yml", 14, 36, "error")]
    assert found(diags, "compose-interpolation") == [("docker-compose.yml", 15, 33, "info")]


def test_a_compose_file_without_kestra_configuration_says_nothing_was_checked(tmp_path: Path) -> None:
    text = "services:\n  kafka:\n    image: apache/kafka:4.1.0\n    environment:\n      KAFKA_NODE_ID: 1\n"
    code, diags = diagnostics(str(write(tmp_path / "compose.yaml", text)))
    assert code == 0
    [diag] = [d for d in diags if d["rule"] == "no-kestra-settings"]
    assert "KESTRA_CONFIGURATION" in diag["message"] and diag["level"] == "warning"


# --- ConfigMaps and Secrets -------------------------------------------------------------------------

SECRET_TEXT = "kestra:\n  kafka:\n    client:\n      properties:\n        sasl.mechanism: SCRAM-SHA-512\n"
MANIFESTS = f"""\
apiVersion: v1
kind: ConfigMap
metadata:
  name: kestra-config
  namespace: kestra
data:
  application.yml: |
    kestra:
      queue:
        type: kafka
      kafka:
        client:
          properties:
            bootstrap.servers: kafka:9093
            security.protocol: SASL_SSL
            acks: ALL
---
apiVersion: v1
kind: Secret
metadata:
  name: kestra-secrets
  namespace: kestra
data:
  application-secrets.yml: {base64.b64encode(SECRET_TEXT.encode()).decode()}
"""


def test_multi_document_manifest_configmap_and_base64_secret_are_one_configuration(tmp_path: Path) -> None:
    code, diags = diagnostics(str(write(tmp_path / "kestra.yaml", MANIFESTS)))
    assert code == 1
    assert found(diags, "invalid-property-value") == [("kestra.yaml", 16, 13, "error")]
    # the Secret's sasl.mechanism counts: SASL_SSL + SCRAM without sasl.jaas.config, reported in the Secret
    [jaas] = [d for d in diags if d["rule"] == "sasl-jaas-config-missing"]
    assert (jaas["line"], jaas["column"], jaas["level"]) == (24, 3, "error")
    assert "line 5, column 9 of the base64-decoded value" in jaas["message"]


def test_secret_string_data_maps_line_for_line(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  application.yml: |\n"
        "    kestra:\n      kafka:\n        client:\n          properties:\n"
        "            bootstrap.servers: kafka:9092\n            acks: ALL\n"
    )
    _, diags = diagnostics(str(write(tmp_path / "secret.yaml", text)))
    assert found(diags, "invalid-property-value") == [("secret.yaml", 12, 13, "error")]


def test_secret_data_that_is_not_base64_is_refused_at_its_key(tmp_path: Path) -> None:
    text = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  application.yml: "kestra: {}"\n'
    code, diags = diagnostics(str(write(tmp_path / "secret.yaml", text)))
    assert code == 1
    assert found(diags, "secret-data-not-base64") == [("secret.yaml", 6, 3, "error")]


def test_other_kinds_and_other_keys_are_not_kestra_s(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  logback.xml: <configuration/>\n"
        "  other.yml: |\n    server:\n      port: 8080\n---\napiVersion: apps/v1\nkind: Deployment\n"
        "metadata:\n  name: kestra\n"
    )
    code, diags = diagnostics(str(write(tmp_path / "other.yaml", text)))
    assert code == 0
    assert [d["rule"] for d in diags if d["level"] != "info"] == ["no-kestra-settings"]


# --- Helm values ------------------------------------------------------------------------------------


def test_chart_0_values_merge_configuration_and_secrets() -> None:
    # corpus 15: queue.type in configuration:, bootstrap.servers in secrets: (the chart's README example)
    path = corpus("15-kestra-helm-configmap-secret-split.yaml")
    code, diags = diagnostics(str(path))
    assert code == 0
    assert [d["rule"] for d in diags if d["file"] == str(path)] == []  # bootstrap.servers counts from secrets:


def test_chart_0_values_positions_and_a_key_in_either_half(tmp_path: Path) -> None:
    text = (
        "image:\n  tag: v0.24.4\nconfiguration:\n  kestra:\n    queue:\n      type: kafka\n"
        "    kafka:\n      defaults:\n        producer:\n          properties:\n            acks: ALL\n"
        "secrets:\n  kestra:\n    kafka:\n      client:\n        properties:\n"
        "          security.protocol: SASL_SSL\n          sasl.mechanism: PLAIN\n"
    )
    _, diags = diagnostics(str(write(tmp_path / "values.yaml", text)))
    assert found(diags, "invalid-property-value") == [("values.yaml", 11, 13, "error")]
    assert found(diags, "sasl-jaas-config-missing") == [("values.yaml", 18, 11, "error")]
    # no bootstrap.servers in either half: Kestra's clients do not start
    assert [d["level"] for d in diags if d["rule"] == "bootstrap-servers-missing"] == ["error"]


CHART_1 = """\
configurations:
  application:
    kestra:
      queue:
        type: kafka
      kafka:
        client:
          properties:
            bootstrap.servers: kafka:9093
            security.protocol: SASL_SSL
            sasl.mechanism: SCRAM-SHA-512
  secrets:
    - name: kestra-kafka-secrets
      key: application-kafka-secrets.yml
"""
JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="${U}" password="${P}";'
CHART_1_SECRET = f"""\
apiVersion: v1
kind: Secret
metadata:
  name: kestra-kafka-secrets
stringData:
  application-kafka-secrets.yml: |
    kestra:
      kafka:
        client:
          properties:
            sasl.jaas.config: {JAAS}
            acks: ALL
"""


def test_chart_1_values_with_the_secret_they_mount(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", CHART_1)
    secret = write(tmp_path / "secret.yaml", CHART_1_SECRET)
    run = kkc("validate", str(values), str(secret))
    assert run.code == 1
    assert run.out.splitlines()[-1].endswith(
        "in 1 file of the 2 given: a values file with the Secrets it mounts, "
        "and a directory's ConfigMaps and Secrets, are read as one configuration"
    )
    _, diags = diagnostics(str(values), str(secret))
    assert found(diags, "invalid-property-value") == [("secret.yaml", 12, 13, "error")]
    assert found(diags, "sasl-jaas-config-missing") == []  # the Secret holds it
    assert found(diags, "mounted-file-not-given") == []


def test_chart_1_values_alone_say_what_was_not_seen(tmp_path: Path) -> None:
    code, diags = diagnostics(str(write(tmp_path / "values.yaml", CHART_1)))
    assert code == 0
    assert found(diags, "mounted-file-not-given") == [("values.yaml", 13, 7, "info")]
    # sasl.jaas.config may be in the Secret: an info naming the mount, not an error
    [jaas] = [d for d in diags if d["rule"] == "sasl-jaas-config-missing"]
    assert jaas["level"] == "info" and "configurations.secrets[0]" in jaas["message"]


def test_chart_1_values_holding_the_0x_keys_are_told_they_are_ignored(tmp_path: Path) -> None:
    text = CHART_1 + "configuration:\n  kestra:\n    kafka:\n      client:\n        properties:\n          acks: all\n"
    _, diags = diagnostics(str(write(tmp_path / "values.yaml", text)))
    assert found(diags, "helm-values-ignored") == [("values.yaml", 15, 1, "warning")]


# --- chart templates --------------------------------------------------------------------------------


def test_go_template_says_render_it_first() -> None:
    path = corpus("16-kestra-helm-env-vars.yaml")
    code, diags = diagnostics(str(path))
    assert code == 0
    assert found(diags, "helm-template") == [(path.name, 2, 1, "warning")]
    assert found(diags, "yaml-syntax") == []
    [diag] = [d for d in diags if d["rule"] == "helm-template"]
    assert "render it first (helm template" in diag["message"]


def test_a_chart_configmap_template_is_not_a_syntax_error(tmp_path: Path) -> None:
    text = (
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ template "kestra.fullname" . }}-config\n'
        'data:\n  "_default.yml": |\n{{ .Values.configurations.application | toYaml | indent 4}}\n'
    )
    code, diags = diagnostics(str(write(tmp_path / "templates" / "configmap.yaml", text)))
    assert code == 0
    assert found(diags, "helm-template") == [("configmap.yaml", 7, 1, "warning")]


def test_template_actions_inside_strings_of_values_are_plain_values(tmp_path: Path) -> None:
    text = CHART_1.replace("kafka:9093", '"{{ .Release.Name }}-kafka:9093"')
    _, diags = diagnostics(str(write(tmp_path / "values.yaml", text)))
    assert found(diags, "helm-template") == []


# --- --as forces the format -------------------------------------------------------------------------


def test_as_forces_a_format_or_says_it_does_not_fit(tmp_path: Path) -> None:
    values = write(tmp_path / "values.yaml", CHART_1)
    # read as a plain Kestra file, the values hold no Kestra setting where Kestra reads them
    _, diags = diagnostics(str(values), "--as", "kestra")
    assert found(diags, "mounted-file-not-given") == []
    assert [d["rule"] for d in diags if d["level"] == "warning"] == ["no-kestra-settings"]
    run = kkc("validate", str(values), "--as", "manifest")
    assert run.code == 2
    assert run.err.startswith(f"kkc: error: --as manifest: {values} is not a Kubernetes manifest")
    fragment = write(
        tmp_path / "fragment.yaml",
        "kestra:\n  environment:\n    KESTRA_CONFIGURATION: |\n      kestra:\n        kafka:\n          client:\n"
        "            properties:\n              acks: ALL\n",
    )
    for forced in ((), ("--as", "compose")):
        _, diags = diagnostics(str(fragment), *forced)
        assert found(diags, "invalid-property-value") == [("fragment.yaml", 8, 15, "error")]


# --- written where it goes: --emit helm-values, configmap, secret ----------------------------------


@pytest.fixture
def built(tmp_path: Path) -> Path:
    shutil.copytree(CASES / "helm-chart-1" / "conf", tmp_path / "conf")
    emits = ("--emit", "helm-values", "--emit", "configmap", "--emit", "secret")
    run = kkc("compile", "env=prod", "--out", "build", *emits, cwd=tmp_path)
    assert run.code == 0, run.err
    return tmp_path / "build" / "prod"


def test_emitted_manifests_pass_the_kubernetes_api_schema(built: Path) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for name, kind in (("kestra-configmap.yaml", "ConfigMap"), ("kestra-secret.yaml", "Secret")):
        resource = yaml.safe_load((built / name).read_text())
        assert resource["kind"] == kind
        # strict: an unknown field is an error too, as kubectl apply --validate=strict does
        kubernetes_validate.validate(resource, kubernetes_validate.latest_version(), strict=True)
    broken = yaml.safe_load((built / "kestra-secret.yaml").read_text())
    broken["stringData"] = {"application-kafka-secrets.yml": {"kestra": {}}}  # not a string: refused
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_helm_values_layout_is_what_the_chart_reads(built: Path) -> None:
    values = yaml.safe_load((built / "helm-values.yaml").read_text())
    # chart 1.x: templates/configmap.yaml renders configurations.application as _default.yml, and
    # _helpers.tpl lists configurations.secrets entries ({name, key}) in MICRONAUT_CONFIG_FILES
    assert set(values) == {"configurations"}
    assert set(values["configurations"]) == {"application", "secrets"}
    assert values["configurations"]["secrets"] == [
        {"name": "kestra-kafka-credentials", "key": "application-kafka-secrets.yml"}
    ]
    secret = yaml.safe_load((built / "kestra-secret.yaml").read_text())
    assert secret["metadata"]["name"] == "kestra-kafka-credentials"
    assert "application-kafka-secrets.yml" in secret["stringData"]
    plain = json.dumps(values)
    assert "sasl.jaas.config" not in plain and "truststore.password" not in plain  # secrets only in the Secret


def test_helm_round_trip_values_and_secret_validate_clean(built: Path) -> None:
    run = kkc("validate", str(built / "helm-values.yaml"), str(built / "kestra-secret.yaml"), "--brokers", "3")
    assert run.code == 0, run.out
    assert "0 errors, 0 warnings" in run.out.splitlines()[-1]
    run = kkc("validate", str(built / "kestra-configmap.yaml"), str(built / "kestra-secret.yaml"), "--brokers", "3")
    assert run.code == 0, run.out
    assert "0 errors, 0 warnings" in run.out.splitlines()[-1]


def test_chart_0_values_round_trip(tmp_path: Path) -> None:
    shutil.copytree(CASES / "helm-chart-0" / "conf", tmp_path / "conf")
    assert kkc("compile", "env=prod", "--out", "build", "--emit", "helm-values", cwd=tmp_path).code == 0
    values = tmp_path / "build" / "prod" / "helm-values.yaml"
    assert set(yaml.safe_load(values.read_text())) == {"configuration", "secrets"}
    run = kkc("validate", str(values), "--brokers", "3", "--kestra-version", "0.24")
    assert run.code == 0, run.out
    assert "0 errors, 0 warnings" in run.out.splitlines()[-1]


def test_check_covers_the_deployment_outputs(built: Path) -> None:
    root = built.parent.parent
    emits = ("--emit", "helm-values", "--emit", "configmap", "--emit", "secret")
    assert kkc("compile", "env=prod", "--out", "build", "--check", *emits, cwd=root).code == 0
    values = built / "helm-values.yaml"
    values.write_text(values.read_text().replace("partitions: 16", "partitions: 8"))
    run = kkc("compile", "env=prod", "--out", "build", "--check", *emits, cwd=root)
    assert run.code == 1
    assert "helm-values.yaml" in run.err


def test_configmap_without_secret_is_refused_when_there_are_secrets(tmp_path: Path) -> None:
    shutil.copytree(CASES / "helm-chart-1" / "conf", tmp_path / "conf")
    run = kkc("compile", "env=prod", "--out", "build", "--emit", "configmap", cwd=tmp_path)
    assert run.code == 2
    assert "add --emit secret" in run.err
    assert not (tmp_path / "build").exists()


# --- the shared corpus, validated in place ----------------------------------------------------------

# (file, the rules reported at the file's own lines, as (rule, line, level)); nothing else but infos
# about Kestra's bundled defaults. Compose files 13 and 14 hold correct configurations; 31 and 36 are
# broker settings, not Kestra's; 29, 33-35 are manifests of other kinds.
CORPUS_VERDICTS = {
    "13-kestra-docker-compose-2020.yaml": [],
    "14-kestra-compose-state-dir-issue575.yaml": [],
    "15-kestra-helm-configmap-secret-split.yaml": [],
    "16-kestra-helm-env-vars.yaml": [("helm-template", 2, "warning")],
    "29-akhq-scram512-externalsecret-template.yaml": [("no-kestra-settings", 2, "warning")],
    "31-bitnami-broker-max-request-size-env.yaml": [("no-kestra-settings", 2, "warning")],
    "33-strimzi-issue2401-rf3-single-broker.yaml": [("no-kestra-settings", 2, "warning")],
    "34-knative-strimzi-offsets-rf3-replicas1.yaml": [("no-kestra-settings", 2, "warning")],
    "35-strimzi-example-kafkatopic.yaml": [("no-kestra-settings", 2, "warning")],
}


@pytest.mark.parametrize("name", sorted(CORPUS_VERDICTS))
def test_corpus_deployment_files_in_place(name: str) -> None:
    path = corpus(name)
    code, diags = diagnostics(str(path))
    assert code == 0
    assert [(d["rule"], d["line"], d["level"]) for d in diags if d["file"] == str(path)] == CORPUS_VERDICTS[name]
    assert all(d["level"] == "info" for d in diags if d["file"] != str(path))


@pytest.mark.parametrize(
    "name",
    [
        "13-kestra-docker-compose-2020.yaml",
        "14-kestra-compose-state-dir-issue575.yaml",
        "15-kestra-helm-configmap-secret-split.yaml",
    ],
)
def test_corpus_findings_land_on_the_outer_lines(name: str, tmp_path: Path) -> None:
    """The corpus compose files and Helm values, each with one broken setting added after
    bootstrap.servers: the finding is on the added line of the outer file."""
    lines = corpus(name).read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "bootstrap.servers:" in line)
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines.insert(at + 1, f"{indent}acks: ALL\n")
    _, diags = diagnostics(str(write(tmp_path / name, "".join(lines))))
    assert found(diags, "invalid-property-value") == [(name, at + 2, len(indent) + 1, "error")]


def test_service_names_are_local_to_their_deployment_but_real_host_names_are_not(tmp_path: Path) -> None:
    # kafka:9092 in two compose files is each project's own broker: no shared-cluster finding
    first = write(tmp_path / "dev" / "compose.yaml", COMPOSE.replace("                acks: ALL\n", ""))
    second = write(tmp_path / "ci" / "compose.yaml", COMPOSE.replace("                acks: ALL\n", ""))
    code, diags = diagnostics(str(first), str(second))
    assert code == 0 and found(diags, "shared-cluster-prefix-collision") == []
    # one broker by its DNS name, in two values files: one cluster, the same prefixes collide
    values = (
        "configuration:\n  kestra:\n    queue:\n      type: kafka\n    kafka:\n      client:\n        properties:\n"
    )
    values += "          bootstrap.servers: kafka.example.com:9093\n"
    code, diags = diagnostics(
        str(write(tmp_path / "a" / "values.yaml", values)), str(write(tmp_path / "b" / "values.yaml", values))
    )
    assert code == 1
    assert {d["rule"] for d in diags if d["level"] == "error"} == {"shared-cluster-prefix-collision"}


def test_a_literal_secret_goes_only_into_the_secret_written_0600(tmp_path: Path) -> None:
    shutil.copytree(CASES / "helm-chart-1" / "conf", tmp_path / "conf")
    config = tmp_path / "conf" / "config.yaml"
    config.write_text(config.read_text().replace('"${KAFKA_TRUSTSTORE_PASSWORD}"', "hunter2-literal"))
    emits = ("--emit", "helm-values", "--emit", "configmap", "--emit", "secret")
    run = kkc("compile", "env=prod", "--out", "build", *emits, cwd=tmp_path)
    assert run.code == 0, run.err
    assert "hunter2-literal" not in run.out + run.err
    built = tmp_path / "build" / "prod"
    assert "hunter2-literal" in (built / "kestra-secret.yaml").read_text()
    assert (built / "kestra-secret.yaml").stat().st_mode & 0o777 == 0o600
    for name in ("helm-values.yaml", "kestra-configmap.yaml"):
        assert "hunter2-literal" not in (built / name).read_text()
        assert (built / name).stat().st_mode & 0o077 != 0  # no secret: an ordinary file


def test_a_kubectl_list_is_read_item_by_item(tmp_path: Path) -> None:
    items = "".join("    " + line + "\n" if line else "\n" for line in MANIFESTS.split("---\n")[0].splitlines())
    text = "apiVersion: v1\nkind: List\nitems:\n" + items.replace("    apiVersion", "  - apiVersion", 1)
    _, diags = diagnostics(str(write(tmp_path / "list.yaml", text)))
    # MANIFESTS' line 16 is line 19 here (3 lines of List header), 4 columns further right (the item's indent)
    assert found(diags, "invalid-property-value") == [("list.yaml", 19, 17, "error")]


def test_chart_1_values_mount_configmaps_and_secrets(tmp_path: Path) -> None:
    # configurations.configmaps and configurations.secrets both mount files the values are read with,
    # each finding at its own manifest's line
    values = write(
        tmp_path / "values.yaml",
        CHART_1.replace("  secrets:\n", "  configmaps:\n    - name: kestra-more\n      key: more.yml\n  secrets:\n"),
    )
    more = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kestra-more\ndata:\n  more.yml: |\n    kestra:\n"
        "      kafka:\n        client:\n          properties:\n            linger.ms: x\n"
    )
    config_map = write(tmp_path / "more.yaml", more)
    secret = write(tmp_path / "secret.yaml", CHART_1_SECRET)
    _, diags = diagnostics(str(values), str(secret), str(config_map))
    assert found(diags, "invalid-property-value") == [("more.yaml", 11, 13, "error"), ("secret.yaml", 12, 13, "error")]
    assert found(diags, "mounted-file-not-given") == []


def test_configmap_without_secret_names_every_target_that_needs_one() -> None:
    from tests.conftest import REPO, kkc

    run = kkc("compile", "--all", "--out", "/nonexistent/never-written", "--emit", "configmap", cwd=REPO)
    assert run.code == 2
    assert "targets staging/eu1, prod/eu1, prod/eu2' settings without their secrets" in run.err


def test_a_secret_key_in_both_data_and_string_data_is_read_from_string_data(tmp_path: Path) -> None:
    import base64

    from tests.conftest import kkc

    replaced = base64.b64encode(b"kestra:\n  kafka:\n    client:\n      properties:\n        retries: abc\n").decode()
    manifest = tmp_path / "kestra-secret.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: kestra\ndata:\n"
        f"  application-secrets.yml: {replaced}\n"
        "stringData:\n  application-secrets.yml: |\n    kestra:\n      kafka:\n        client:\n"
        "          properties:\n            bootstrap.servers: kafka:9092\n"
    )
    run = kkc("validate", str(manifest))
    assert "retries" not in run.out, run.out  # the data text never reaches Kestra


def test_compose_escapes_and_variables_keep_later_columns_right(tmp_path: Path) -> None:
    from tests.conftest import kkc

    line = '            client: {properties: {client.id: "$$$${HOSTNAME}-$$$${X}-$HOST", retries: abc}}'
    compose = tmp_path / "docker-compose.yml"
    compose.write_text(
        "services:\n  kestra:\n    image: kestra/kestra:latest\n    environment:\n      KESTRA_CONFIGURATION: |\n"
        "        kestra:\n          queue: {type: kafka}\n          kafka:\n" + line + "\n"
    )
    run = kkc("validate", str(compose))
    assert f"{compose}:9:{line.index('retries') + 1}: error [invalid-property-value]" in run.out, run.out
