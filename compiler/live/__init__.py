"""The live cluster: connect as Kestra's admin client would, read the cluster's facts and topics,
plan the topic set against them and apply it.

- `connection`: Kestra's admin properties (Java client properties) translated for librdkafka, with
  the run-time placeholders filled from the environment; no Kafka client is imported.
- `apiversions`: which Kafka release the brokers run, from the API versions they answer.
- `client`: the only module that talks to Kafka (confluent-kafka, the optional `live` extra); every
  call has a deadline.
- `plan`: what the cluster holds against what the compiled target says, as a list of changes.
- `facts`: the cluster's facts as the last layer of a target, so that validation reads them as if
  they were declared.
- `session`: one run: a client per connection, the plan with the brokers' own verdict on each new
  topic, applying it, and the report as text or JSON.
- `state`: plain records of what the cluster holds.
"""
