"""kkc: the Kestra Kafka config compiler."""

__version__ = "0.1.0"
