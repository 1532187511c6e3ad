"""Rules: what the file a configuration is deployed in does to it (Helm values, compose files,
Kubernetes manifests and chart templates). The load stage (compiler/outer.py) notices; these rules
report it, so that their levels can be tuned like any other."""

from __future__ import annotations

from compiler.rules.base import Rule, example, from_notes

_QUEUE = "kestra:\n  queue:\n    type: kafka\n"
_COMPOSE = (
    "services:\n  kestra:\n    image: kestra/kestra:latest\n    environment:\n      KESTRA_CONFIGURATION: |\n"
    "        kestra:\n          kafka:\n            client:\n              properties:\n"
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="helm-template",
        family="deployment",
        level="warning",
        summary="A Helm chart template given to validate: Go-template actions are not YAML",
        why="A file of a chart's templates/ holds Go-template actions ({{ .Values.x }}, {{- if ... }}) that only "
        "helm renders; as it is, it is not the YAML Kubernetes or Kestra receive, so kkc cannot read it. kkc "
        "says so instead of reporting a YAML syntax error at some column of an action. Warning: nothing in the "
        "file was checked; render it (helm template RELEASE CHART -f values.yaml) and validate the rendered "
        "ConfigMaps and Secrets, or the values file itself.",
        check=from_notes("helm-template"),
        failing=example("{{- if .Values.kafka.enabled }}\n" + _QUEUE + "{{- end }}\n"),
        passing=example(_QUEUE),
    ),
    Rule(
        id="helm-values-ignored",
        family="deployment",
        level="warning",
        summary="Kestra chart 1.x values that also hold the chart 0.x's configuration: or secrets:",
        why="The Kestra Helm chart 1.x reads Kestra's configuration from configurations.application (and the "
        "ConfigMaps and Secrets listed under configurations.configmaps and configurations.secrets); the 0.x keys "
        "configuration: and secrets: are ignored, so settings left there after an upgrade silently never reach "
        "Kestra. Warning: Kestra starts, without them.",
        check=from_notes("helm-values-ignored"),
        failing=example(
            "configurations:\n  application:\n    kestra:\n      queue:\n        type: kafka\nconfiguration:\n"
            "  kestra:\n    kafka:\n      client:\n        properties:\n          bootstrap.servers: kafka:9092\n"
        ),
        passing=example(
            "configurations:\n  application:\n    kestra:\n      queue:\n        type: kafka\n      kafka:\n"
            "        client:\n          properties:\n            bootstrap.servers: kafka:9092\n"
        ),
    ),
    Rule(
        id="mounted-file-not-given",
        family="deployment",
        level="info",
        summary="Chart 1.x values mount a ConfigMap or Secret that no file given to validate holds",
        why="configurations.configmaps and configurations.secrets of the Kestra chart 1.x mount keys of existing "
        "ConfigMaps and Secrets as further configuration files, read after configurations.application and "
        "winning over it. When the manifest holding one is not among the files given, its settings (often the "
        "credentials) were not checked, and a check that needs them may miss; a credential reported missing "
        "(sasl.jaas.config, a keystore or truststore password) is then an info, since it may be there. Info: it "
        "depends on a file kkc was not shown; give it too (kkc validate values.yaml secret.yaml) to have both "
        "checked as one configuration.",
        check=from_notes("mounted-file-not-given"),
        failing=example(
            "configurations:\n  application:\n    kestra:\n      queue:\n        type: kafka\n  secrets:\n"
            "    - name: kestra-kafka-secrets\n      key: application-kafka-secrets.yml\n"
        ),
        passing=example("configurations:\n  application:\n    kestra:\n      queue:\n        type: kafka\n"),
    ),
    Rule(
        id="compose-interpolation",
        family="deployment",
        level="info",
        summary="$VAR or ${VAR} in a compose file's KESTRA_CONFIGURATION: compose replaces it, not Kestra",
        why="docker compose interpolates every value of a compose file, KESTRA_CONFIGURATION's text included: "
        "$VAR and ${VAR} are replaced with the variables of the shell or .env file running compose (an empty "
        "string, with a warning, when unset) before the container starts, so Kestra never sees a placeholder "
        "and the value cannot be checked. Info: it depends on the environment compose runs in, and it is what "
        "some teams want; write $${VAR} for Kestra to read the container's environment variable instead.",
        check=from_notes("compose-interpolation"),
        failing=example(_COMPOSE + "                bootstrap.servers: ${KAFKA_BOOTSTRAP}\n"),
        passing=example(_COMPOSE + "                bootstrap.servers: $${KAFKA_BOOTSTRAP}\n"),
    ),
    Rule(
        id="compose-interpolation-invalid",
        family="deployment",
        level="error",
        summary="A ${...} in KESTRA_CONFIGURATION that docker compose refuses to interpolate",
        why="docker compose accepts ${NAME}, ${NAME:-default} and the other forms of the compose specification "
        "only; Micronaut's ${NAME:default} and references to Kestra's own keys (${kestra.kafka...}) are an "
        "'invalid interpolation format' and compose refuses the whole file, so Kestra never starts. Error; write "
        "$${...} so that compose hands ${...} to Kestra.",
        check=from_notes("compose-interpolation-invalid"),
        failing=example(_COMPOSE + "                bootstrap.servers: ${KAFKA_BOOTSTRAP:kafka:9092}\n"),
        passing=example(_COMPOSE + "                bootstrap.servers: $${KAFKA_BOOTSTRAP:`kafka:9092`}\n"),
    ),
)
