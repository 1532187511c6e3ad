"""Rules: security — SSL and SASL settings Kafka's clients reject or ignore, and secrets in committed files.

Checked on the property set each Kafka client of Kestra really gets (`ctx.compiled.clients`); a problem
rooted in one key (usually in `kestra.kafka.client.properties`) is reported once, naming the clients
it affects when not all of them. Secret values never appear in a message.

What Kafka does, from its sources (`DefaultSslEngineFactory`, `JaasConfig`, `JaasContext`,
`ChannelBuilders`): a keystore file needs its password (any type but PEM); a keystore or truststore
password without a location is rejected; a truststore file may have no password (Java then skips the
keystore's integrity check, and for PKCS12 it also skips encrypted certificates); `sasl.jaas.config` is
tokenized by `java.io.StreamTokenizer` and must hold exactly one `<class> <flag> key=value ...;` entry.
"""

from __future__ import annotations

from compiler.rules.base import Rule
from compiler.rules.security import sasl, secrets, ssl

RULES: tuple[Rule, ...] = (*ssl.RULES, *sasl.RULES, *secrets.RULES)
