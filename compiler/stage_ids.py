"""The diagnostic ids of errors the pipeline's stages raise when they cannot go on.

Each stops the target it belongs to (nothing is written for it); `kkc validate` reports it beside
every other problem. Documented here so that `kkc rules` and docs/rules.md cover every id.
"""

from __future__ import annotations

from compiler.records import record

# A primary config.yaml that chooses env dev; the examples below add one client property under it.
CONFIG = "# config.yaml\ndefaults:\n  - _self_\n  - env: dev\nkestra:\n  kafka:\n    client:\n      properties:\n"


@record
class StageId:
    id: str
    stage: str  # the stage that raises it: load, layers, overrides, resolve, derive, emit, init, live
    summary: str
    why: str
    failing: str  # an input that gets it, as a user writes it
    passing: str  # the same input, corrected


STAGE_IDS: tuple[StageId, ...] = (
    StageId(
        id="bad-override",
        stage="overrides",
        summary="A command-line override kkc cannot apply as written",
        why="kkc applies command-line overrides with Hydra's rules and stops when one cannot be applied as written: "
        "no '=value', an empty key segment, '=', braces, brackets or quotes unquoted inside a value, a sweep, "
        "changing a key that does not exist (adding one takes '+'), adding one that exists, deleting a missing "
        "key, setting a key inside a single value or list, or '+env=x' for a config group. Guessing would compile "
        "something other than the command says (Hydra's own grammar silently nests a dotted Kafka property name), "
        "so nothing is compiled or written; the message names the spelling that works. The id also labels an "
        "internal 'no files given' error that the command line cannot reach.",
        failing="kkc compile env=prod kestra.kafka.defaults.topic.partitons=32",
        passing="kkc compile env=prod kestra.kafka.defaults.topic.partitions=32",
    ),
    StageId(
        id="cluster-brokers-differ",
        stage="live",
        summary="The live cluster's brokers disagree on a setting kkc reads (kkc validate --cluster)",
        why="kkc validate --cluster reads the brokers' settings (message.max.bytes, min.insync.replicas, "
        "default.replication.factor, ...) from every broker and checks with the lowest-numbered one's. When the "
        "brokers disagree, a topic or client meets one value or the other depending on which broker leads its "
        "partitions, so a check passes or fails by chance: set the value the same on every broker (a dynamic "
        "cluster-wide default, kafka-configs.sh --entity-default).",
        failing="kkc validate --cluster env=prod   # broker 2 has message.max.bytes 1048588, the others 10485760",
        passing="kkc validate --cluster env=prod   # every broker has message.max.bytes 10485760",
    ),
    StageId(
        id="cluster-fact-differs",
        stage="live",
        summary="A declared cluster: fact that the live cluster contradicts (kkc validate --cluster)",
        why="kkc validate --cluster reads the broker count, the Kafka version the brokers answer as and the brokers' "
        "settings (message.max.bytes, min.insync.replicas, default.replication.factor, "
        "transaction.state.log.replication.factor, auto.create.topics.enable, ...) from the cluster the target "
        "connects to, and checks the target with them instead of the declared cluster: facts. Where a declared "
        "fact says otherwise, every validation without --cluster checks a cluster that does not exist: the rules "
        "that read the fact pass or fail for the wrong reason. Correct the declared value (or remove it).",
        failing="kkc validate --cluster env=prod   # cluster.brokers: 5 while the cluster lists 3 brokers",
        passing="kkc validate --cluster env=prod   # cluster.brokers: 3",
    ),
    StageId(
        id="defaults-list",
        stage="layers",
        summary="The primary config's defaults list names a missing file or uses a form kkc does not support",
        why="The defaults list of config.yaml decides which files make up each target. kkc stops when an entry names "
        "an option or config with no file (env: prd without env/prd.yaml, which Hydra cannot compose either), "
        "when the list is not a list or holds something other than _self_, a config name or 'group: option', when "
        "it uses forms kkc does not support (override, @package, a defaults list inside a group file), or when a "
        "name would leave the config directory ('..'). No target can be compiled from it.",
        failing="# config.yaml\n# beside env/prod.yaml\ndefaults:\n  - _self_\n  - env: prd\n",
        passing="# config.yaml\n# beside env/prod.yaml\ndefaults:\n  - _self_\n  - env: prod\n",
    ),
    StageId(
        id="duplicate-key",
        stage="load",
        summary="A key written twice in one mapping, or two spellings of one Kestra key in one layer",
        why="The same key written twice in one YAML mapping, or two spellings Kestra binds to one key (topicPrefix "
        "and topic-prefix) in one layer: YAML readers disagree on which value wins, so the value Kestra runs with "
        "could differ from the one kkc checked. kkc stops instead of picking one; keep a single line.",
        failing="kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 16\n        partitions: 32\n",
        passing="kestra:\n  kafka:\n    defaults:\n      topic:\n        partitions: 32\n",
    ),
    StageId(
        id="emit-needs-literal-names",
        stage="emit",
        summary="--emit strimzi or --emit kafka-topics with a topic name that holds a run-time placeholder",
        why="--emit strimzi and --emit kafka-topics write resources that create topics by name before Kestra starts, "
        "but a name holding a run-time placeholder (${LOGS_TOPIC}, or a prefix such as ${ENV}_) is only known "
        "once Kestra resolves it, and the literal text is not a legal Kafka topic name ('$', '{', '}'). Nothing "
        "is written; give the prefix or the name a literal value for that target.",
        failing="kkc compile env=dev 'kestra.kafka.topics.logentry.name=${LOGS_TOPIC}' --out build --emit kafka-topics",
        passing="kkc compile env=dev 'kestra.kafka.topics.logentry.name=dev_kestra_logs' --out build --emit "
        "kafka-topics",
    ),
    StageId(
        id="file-too-large",
        stage="load",
        summary="A config file over 1 MiB, or a YAML file with more than 100,000 values",
        why="kkc refuses a YAML or .properties file over 1 MiB (1,048,576 bytes) without reading it all, and a YAML "
        "file with more than 100,000 values, so that a generated or hostile file cannot stall validation (its "
        "pure-Python YAML parser needs seconds per 100,000 values). This is kkc's own limit, not Kestra's or "
        "Kafka's; real config layers are far smaller.",
        failing="kkc validate big.yml   # big.yml: over 1 MiB (1,048,576 bytes)",
        passing="kkc validate file.yml   # file.yml: the same settings in a file under 1 MiB",
    ),
    StageId(
        id="init-would-overwrite",
        stage="init",
        summary="kkc init would overwrite files that already exist",
        why="kkc init writes config.yaml, env/dev.yaml, env/prod.yaml, instance/main.yaml and kkc-schema.json and "
        "never overwrites: if any of them already exists in the directory it writes nothing, so an existing "
        "config tree cannot be clobbered. Choose another directory or move the files away.",
        failing="kkc init   # conf/config.yaml already exists (an earlier kkc init)",
        passing="kkc init conf-new   # a directory that holds none of the files kkc init writes",
    ),
    StageId(
        id="not-a-mapping",
        stage="load",
        summary="A config layer whose top level is a list or a single value",
        why="A config layer must be a mapping of keys (kestra:, cluster:, ...), the shape Kestra reads its "
        "configuration files in and Hydra merges; a file whose top level is a list or a single value has no keys "
        "to merge, so the target does not compile.",
        failing="- bootstrap.servers: kafka:9092\n",
        passing="kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: kafka:9092\n",
    ),
    StageId(
        id="not-utf8",
        stage="load",
        summary="A file that is not valid UTF-8, or that holds a NUL byte",
        why="kkc reads config files as UTF-8 (a leading BOM is allowed) and stops at the first byte that is not valid "
        "UTF-8, naming its line and column, rather than guess the encoding; a file saved as Latin-1 or "
        "Windows-1252 with an accented character is the usual cause. A NUL byte is reported with the same id: it "
        "means binary data, not YAML.",
        failing="kkc validate file.yml   # file.yml saved as Latin-1: its comment '# café' holds byte 0xe9",
        passing="kkc validate file.yml   # the same file saved as UTF-8",
    ),
    StageId(
        id="placeholder-syntax",
        stage="resolve",
        summary="A '${' without its closing '}', a placeholder with an empty name, or a malformed resolver call",
        why="A '${' without its closing '}', or a placeholder with no name (${} or ${:default}): kkc cannot tell "
        "where the placeholder ends, so it can neither resolve it nor list it among the run-time variables Kestra "
        "needs, and the value would not be the one meant. In a Hydra config tree the same holds for a resolver "
        "call (${oc.env:...}) that OmegaConf's grammar cannot read (an unclosed quote, a '`'). The target does "
        "not compile; for a secret key the message hides the value.",
        failing="kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "
        '"${KAFKA_BOOTSTRAP_SERVERS"\n',
        passing="kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: "
        '"${KAFKA_BOOTSTRAP_SERVERS}"\n',
    ),
    StageId(
        id="properties-syntax",
        stage="load",
        summary="A .properties file with a malformed \\uxxxx escape",
        why="In a .properties file a backslash starts an escape and '\\u' must be followed by four hexadecimal "
        "digits; otherwise Java's Properties.load, which Kafka's clients and tools use to read such files, "
        "refuses the whole file, so the client or tool fails before it connects. The usual cause is a Windows "
        "path such as C:\\users\\...: write / or a doubled backslash.",
        failing="kkc validate producer.properties --as producer   # producer.properties: "
        "ssl.keystore.location=C:\\users\\kafka\\keystore.jks",
        passing="kkc validate producer.properties --as producer   # producer.properties: "
        "ssl.keystore.location=C:/users/kafka/keystore.jks",
    ),
    StageId(
        id="reference-cycle",
        stage="resolve",
        summary="${...} references that lead back to the value they start from",
        why="References to config keys are resolved at compile time; a chain that leads back to its start "
        "(topic-prefix -> consumer-prefix -> topic-prefix) has no value at all. kkc stops, naming every link of "
        "the chain with the file:line:column that wrote it.",
        failing='kestra:\n  kafka:\n    defaults:\n      topic-prefix: "${kestra.kafka.defaults.consumer-prefix}"\n '
        '     consumer-prefix: "${kestra.kafka.defaults.topic-prefix}"\n',
        passing='kestra:\n  kafka:\n    defaults:\n      topic-prefix: "${kestra.kafka.defaults.consumer-prefix}"\n '
        "     consumer-prefix: acme_\n",
    ),
    StageId(
        id="reference-missing",
        stage="resolve",
        summary="A ${...} reference to a config key that does not exist",
        why="A placeholder whose first segment is a root key of the config (kestra, cluster, ...) names a config key, "
        "which kkc resolves at compile time. When that key does not exist (a typo such as topic-prefx), Kestra "
        "would not find such a property either, and an unresolved placeholder without a default stops Kestra at "
        "start-up. kkc stops and suggests the closest key.",
        failing='kestra:\n  kafka:\n    defaults:\n      consumer-prefix: "${kestra.kafka.defaults.topic-prefx}"\n',
        passing='kestra:\n  kafka:\n    defaults:\n      consumer-prefix: "${kestra.kafka.defaults.topic-prefix}"\n',
    ),
    StageId(
        id="reference-not-a-value",
        stage="resolve",
        summary="A ${...} reference to a mapping or a list instead of a single value",
        why="A placeholder is replaced by one value, but this one names a mapping or a list "
        "(${kestra.kafka.defaults}), which has no single value to put there. kkc stops at compile time.",
        failing='kestra:\n  kafka:\n    defaults:\n      consumer-prefix: "${kestra.kafka.defaults}"\n',
        passing='kestra:\n  kafka:\n    defaults:\n      consumer-prefix: "${kestra.kafka.defaults.topic-prefix}"\n',
    ),
    StageId(
        id="resolver-invalid",
        stage="resolve",
        summary="A Hydra resolver call that OmegaConf itself refuses, or that reads a Kafka property name as a path",
        why="In a Hydra config tree, ${oc.NAME:...} calls one of OmegaConf's resolvers. A call that OmegaConf "
        "refuses (a resolver it does not have, such as a misspelt oc.evn; the wrong number or type of "
        "arguments; oc.deprecated naming a key that does not exist; oc.decode of text that is not a value) has "
        "no value in Hydra either, so the target does not compile. kkc also stops when oc.select or "
        "oc.deprecated names a Kafka property with dots as a plain path (...properties.bootstrap.servers): "
        "OmegaConf reads it as the keys bootstrap and servers and silently takes the fallback, while kkc's own "
        "${...} would find the property; write ...properties[bootstrap.servers] so both read the same key.",
        failing=CONFIG + "        bootstrap.servers: ${oc.evn:KAFKA_BOOTSTRAP_SERVERS}\n",
        passing=CONFIG + "        bootstrap.servers: ${oc.env:KAFKA_BOOTSTRAP_SERVERS}\n",
    ),
    StageId(
        id="resolver-unsupported",
        stage="resolve",
        summary="A Hydra resolver call whose meaning cannot be written for Kestra (now, hydra, oc.create, ...)",
        why="kkc compiles a Hydra config tree into files Kestra reads when it starts. ${oc.env:VAR} becomes the "
        "Micronaut placeholder ${VAR} and oc.select, oc.decode and oc.deprecated are evaluated at compile time, "
        "but some calls have no faithful equivalent: ${now:...} (the time the app starts, not the build's), "
        "${hydra:...} (Hydra's own config exists only inside a @hydra.main run), oc.create, oc.dict.keys and "
        "oc.dict.values (they build a mapping or list, which kkc does not put in place of a ${...}), an "
        "oc.env default of null (a Micronaut placeholder has no null: ${VAR:} is an empty string) or one "
        "Micronaut cannot hold (a '}', or a run-time value without a last default), an environment variable "
        "name that is not upper case (Micronaut reads only those), and oc.decode or oc.select of a value only "
        "known at run time. Guessing would compile something other than Hydra means, so nothing is written.",
        failing=CONFIG + "        ssl.truststore.password: ${oc.env:KAFKA_TRUSTSTORE_PASSWORD,null}\n",
        passing=CONFIG + "        ssl.truststore.password: ${oc.env:KAFKA_TRUSTSTORE_PASSWORD}\n",
    ),
    StageId(
        id="secret-data-not-base64",
        stage="load",
        summary="A Kubernetes Secret's data value that is not base64",
        why="A Secret's data values are base64 (stringData takes plain text); Kubernetes refuses a Secret whose "
        "data holds anything else ('illegal base64 data'), so kubectl apply fails and Kestra never gets the "
        "configuration file. kkc stops at that value, naming its key; line breaks inside it are allowed, as "
        "Kubernetes ignores them.",
        failing='apiVersion: v1\nkind: Secret\nmetadata:\n  name: kestra\ndata:\n  application.yml: "kestra: {}"\n',
        passing="apiVersion: v1\nkind: Secret\nmetadata:\n  name: kestra\nstringData:\n  application.yml: |\n"
        "    kestra: {}\n",
    ),
    StageId(
        id="strimzi-cluster-name",
        stage="emit",
        summary="--emit strimzi without cluster.name",
        why="--emit strimzi labels each KafkaTopic with strimzi.io/cluster: <cluster.name>, the label that ties the "
        "resource to its Strimzi Kafka cluster; without cluster.name in the target there is no value for it, so "
        "nothing is written. Set cluster.name to the name of the Strimzi Kafka resource.",
        failing="kkc compile env=dev '~cluster.name' --out build --emit strimzi",
        passing="kkc compile env=dev --out build --emit strimzi",
    ),
    StageId(
        id="structure-type",
        stage="derive",
        summary="A single value or a list where Kestra binds a mapping (properties, topics, a topic)",
        why="Kestra binds kestra.kafka.client.properties, the role and topic properties, kestra.kafka.topics and each "
        "topic entry as mappings (its ClientConfig holds the properties as a map of Kafka property names); a "
        'string or list there (properties: "bootstrap.servers=kafka:9092", execution: compact) holds no '
        "property names, so kkc cannot derive the client property sets or the topic plan and the target does not "
        "compile. The schema rule wrong-type reports the same kind of mistake where compilation can continue.",
        failing='kestra:\n  kafka:\n    client:\n      properties: "bootstrap.servers=kafka:9092"\n',
        passing="kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: kafka:9092\n",
    ),
    StageId(
        id="targets",
        stage="layers",
        summary="targets: in config.yaml is not a non-empty list of existing {env, instance} choices",
        why="targets: in config.yaml lists what --all compiles and validates (a single-target kkc validate reads it "
        "too, to count them); it must be a non-empty list of mappings such as {env: prod, instance: eu1} whose "
        "options have files and appear once. Otherwise kkc cannot tell which targets exist and stops before "
        "compiling any. Without a targets: key every env x instance combination is a target.",
        failing="# config.yaml\n# beside env/dev.yaml and env/prod.yaml\ndefaults:\n  - _self_\n  - env: dev\n"
        "targets:\n  env: prod\n",
        passing="# config.yaml\n# beside env/dev.yaml and env/prod.yaml\ndefaults:\n  - _self_\n  - env: dev\n"
        "targets:\n  - env: dev\n  - env: prod\n",
    ),
    StageId(
        id="unreadable-file",
        stage="load",
        summary="A config file kkc cannot read (permission denied, I/O error)",
        why="The operating system refused to read a config or .properties file (permission denied, an I/O error); the "
        "message gives its reason. Nothing in the file could be checked, so the run fails.",
        failing="kkc validate file.yml   # file.yml exists but your user may not read it (mode 000)",
        passing="kkc validate file.yml   # after chmod 644 file.yml",
    ),
    StageId(
        id="yaml-alias-bomb",
        stage="load",
        summary="YAML aliases that expand past 100,000 values, or an alias that contains itself",
        why="YAML anchors and aliases can repeat a value over and over (a 'billion laughs' file of a few lines "
        "expands to millions of values) or contain themselves; OmegaConf, which Hydra uses, would expand them, "
        "taking minutes and hundreds of MB. kkc counts values as if aliases were expanded and refuses above "
        "100,000, or at a recursive alias, before anything expands. Write the values out.",
        failing="a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, "
        "*b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, "
        "*d, *d, *d, *d, *d, *d]\n",
        passing="a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [*a, *a]\n",
    ),
    StageId(
        id="yaml-syntax",
        stage="load",
        summary="Text that is not valid YAML, or YAML kkc does not accept in a layer",
        why="The text is not valid YAML (an unclosed quote or bracket, tab indentation, an unquoted ': ' inside a "
        "value, a control character, template syntax such as {{ }}), which Kestra's own YAML reader would also "
        "stop on; or it is YAML kkc does not accept in a config layer: custom tags, several documents in one "
        "layer, a merge key (<<) on something other than a mapping, an empty or non-scalar key. The layer cannot "
        "be read, so the target does not compile.",
        failing="kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: 'kafka:9092\n",
        passing="kestra:\n  kafka:\n    client:\n      properties:\n        bootstrap.servers: 'kafka:9092'\n",
    ),
    StageId(
        id="yaml-too-deep",
        stage="load",
        summary="YAML nested more than 100 levels deep",
        why="kkc refuses YAML nested more than 100 levels (its YAML scanner slows down sharply with deep nesting); no "
        "Kestra configuration comes close, so such a file is generated or hostile. This is kkc's own limit.",
        failing="x: "
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
        passing="x: [[[[[]]]]]\n",
    ),
)
