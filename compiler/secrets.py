"""Which Kafka properties hold secrets, and whether a value is a literal secret.

A key is secret when its name matches SECRET_KEY_PATTERNS (documented in the README). A value is
a literal secret when, with its run-time placeholders (`${...}`) taken out, a password remains.
"""

from __future__ import annotations

import re
from functools import lru_cache

SECRET_KEY_PATTERNS = (
    r"(^|[.\-_])password$",
    r"^sasl\.jaas\.config$",
    r"^ssl\.keystore\.key$",
    r"(^|[.\-_])secret$",
    r"^basic\.auth\.user\.info$",
    r"(^|[.\-_])credentials?$",
    r"(^|[.\-_])token$",
    r"(^|[.\-_])passphrase$",  # sasl.oauthbearer.assertion.private.key.passphrase (a PASSWORD in Kafka)
    r"(^|[.\-_])secret[.\-_]?key$",  # kestra.encryption.secret-key
    r"(^|[.\-_])private[.\-_]?key$",
)
_SECRET_RE = re.compile("|".join(SECRET_KEY_PATTERNS), re.I)
# Innermost first (`${oc.env:P,${kestra.p}}` holds two), with OmegaConf's escaping backslashes (`\${P}`).
_PLACEHOLDER_RE = re.compile(r"\\*\$\{[^{}]*\}")
JAAS_SECRET_RE = re.compile(r"""(password|secret|token)\s*=\s*("([^"]*)"|'([^']*)'|(\S+?))\s*(;|\s|$)""", re.I)
MASK = "********"


@lru_cache(maxsize=8192)
def is_secret_key(key: str) -> bool:
    return bool(_SECRET_RE.search(key))


def is_literal_secret(key: str, value: str) -> bool:
    if not is_secret_key(key) or not value:
        return False
    if key.lower() == "sasl.jaas.config":
        for match in JAAS_SECRET_RE.finditer(value):
            secret = next((g for g in match.group(3, 4, 5) if g is not None), "")
            if _without_placeholders(secret).strip():
                return True
        return False
    return bool(_without_placeholders(value).strip())


def _without_placeholders(text: str) -> str:
    while True:
        shorter = _PLACEHOLDER_RE.sub("", text)
        if shorter == text:
            return text
        text = shorter


def mask(key: str, value: str) -> str:
    return MASK if is_secret_key(key) and value else value
