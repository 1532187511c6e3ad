"""Kubernetes' own rules for the names kkc writes into manifests (ConfigMap and Secret names, a
namespace, labels), shared by the schema check of `kubernetes:` and the emitters: the API server
refuses a manifest that breaks them, so `kubectl apply` would fail."""

from __future__ import annotations

from compiler.patterns import lazy

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
SUBDOMAIN = lazy(rf"^{_LABEL}(\.{_LABEL})*$")  # DNS-1123 subdomain: ConfigMap and Secret names
NAMESPACE = lazy(rf"^{_LABEL}$")  # DNS-1123 label
_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
LABEL_KEY = lazy(rf"^({_LABEL}(\.{_LABEL})*/)?{_NAME}$")
LABEL_VALUE = lazy(rf"^({_NAME})?$")

DEFAULT_CONFIGMAP = "kestra-kafka-config"
DEFAULT_SECRET = "kestra-kafka-secrets"
CONFIG_KEY = "application-kafka.yml"  # the ConfigMap's file: Kestra's non-secret Kafka settings
SECRET_KEY = "application-kafka-secrets.yml"  # the Secret's file: every secret setting


def name_problem(text: str) -> str | None:
    if len(text) > 253 or not SUBDOMAIN().match(text):
        return (
            "a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' and '.', starting and ending with a "
            "letter or digit), or Kubernetes refuses the manifest"
        )
    return None


def namespace_problem(text: str) -> str | None:
    if len(text) > 63 or not NAMESPACE().match(text):
        return (
            "a DNS-1123 label (at most 63 lowercase letters, digits and '-', starting and ending with a letter or "
            "digit), or Kubernetes refuses the manifest"
        )
    return None


def label_key_problem(key: str) -> str | None:
    name = key.rsplit("/", 1)[-1]
    prefix = key[: -len(name) - 1] if "/" in key else ""
    if len(name) > 63 or len(prefix) > 253 or not LABEL_KEY().match(key):
        return (
            f"a label key ('{key}' is not): an optional DNS subdomain and '/', then at most 63 letters, digits, '-', "
            "'_' and '.', starting and ending with a letter or digit, or Kubernetes refuses the manifest"
        )
    return None


def label_value_problem(value: str) -> str | None:
    if len(value) > 63 or not LABEL_VALUE().match(value):
        return (
            f"a label value ('{value}' is not): at most 63 letters, digits, '-', '_' and '.', starting and ending "
            "with a letter or digit, or Kubernetes refuses the manifest"
        )
    return None
