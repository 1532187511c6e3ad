"""Rules: settings that are each valid alone but fail, or silently change meaning, together.

They read the EFFECTIVE property set of each Kafka client Kestra creates (`client.properties`
overlaid by the role's defaults) and the topic plan, and encode what Kafka does at the declared
version (kafka-configs-notes.md section 5). Kafka Streams' prefixes are honoured: `producer.x` wins
over `x` for its producers, `main.consumer.x` over `consumer.x` over `x` for its main consumer.

Kestra facts they rely on: Kestra's worker and scheduler producers set a `transactional.id` over the
producer defaults, and Kestra's queue also creates consumers without a `group.id`.
"""

from __future__ import annotations

from compiler.rules.base import Rule
from compiler.rules.cross_field import admin, consumer, producer, streams, topics
from compiler.rules.cross_field.common import FAMILY

RULES: tuple[Rule, ...] = (*producer.RULES, *consumer.RULES, *admin.RULES, *streams.RULES, *topics.RULES)

__all__ = ["FAMILY", "RULES"]
