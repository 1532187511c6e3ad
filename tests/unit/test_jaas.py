"""compiler.jaas at its own interface: sasl.jaas.config read as Kafka's JaasConfig reads it."""

from __future__ import annotations

import pytest

from compiler.jaas import JaasEntry, parse_jaas


@pytest.mark.parametrize(
    "text",
    [
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";',
        "org.apache.kafka.common.security.plain.PlainLoginModule REQUIRED username=a password='b';",
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;",
        'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/etc/k.keytab";',
        '/* comment */ x.Y optional key="v"; // trailing',
    ],
)
def test_jaas_entries_kafka_accepts(text: str) -> None:
    assert isinstance(parse_jaas(text), JaasEntry)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('x.Y required a="b"', "end with ';'"),
        ('x.Y mandatory a="b";', "control flag"),
        ("x.Y required password=12345;", "option 1"),
        ("x.Y required keyTab=/etc/k.keytab;", "option 1"),
        ('x.Y required a="b"; x.Z required;', "2 login module entries"),
        ("x.Y", "control flag"),
        ("", "no login module"),
    ],
)
def test_jaas_entries_kafka_rejects(text: str, reason: str) -> None:
    result = parse_jaas(text)
    assert isinstance(result, str) and reason in result


def test_jaas_structure_from_a_placeholder_is_not_judged() -> None:
    assert parse_jaas("${KAFKA_JAAS_CONFIG}") is None
    assert parse_jaas("x.Y required password=${KAFKA_PASSWORD};") is None


# --- exact results: what the StreamTokenizer imitation makes of each construct ----------------------

NO_FLAG = "the login module class must be followed by a control flag (required)"
BAD_FLAG = "the control flag after the login module class must be required, requisite, sufficient or optional"
NO_SEMICOLON = "the entry must end with ';' (Kafka: JAAS config entry not terminated by semi-colon)"
NO_CLASS = "the entry must start with the login module's class name"
NO_ENTRY = "no login module is given"


def bad_option(count: int) -> str:
    return (
        f'option {count} is not written key="value" (a value is missing, or an unquoted value '
        "starts with a digit or holds a character such as / : @ that ends it: quote every value)"
    )


def entry(flag: str = "required", module: str = "x.Y", **options: str) -> JaasEntry:
    return JaasEntry(module, flag, options)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('x.Y required a="v";', entry(a="v"), id="double-quoted"),
        pytest.param("x.Y required a='v';", entry(a="v"), id="single-quoted"),
        pytest.param('x.Y required a="";', entry(a=""), id="empty-quoted"),
        pytest.param("x.Y required a='say \"hi\"';", entry(a='say "hi"'), id="other-quote-inside"),
        pytest.param(r'x.Y required a="q\"uote";', entry(a='q"uote'), id="escaped-quote"),
        pytest.param(r'x.Y required a="back\\slash";', entry(a="back\\slash"), id="escaped-backslash"),
        # Java's StreamTokenizer turns \n into a line feed; this tokenizer keeps the letter
        # java.io.StreamTokenizer's escapes, as Kafka's JaasConfig reads a quoted value (checked with kafka-clients
        # 4.3.1: "Pa\tss\1234" is P a TAB s s S 4)
        pytest.param(r'x.Y required a="new\nline";', entry(a="new\nline"), id="backslash-n-is-a-line-break"),
        pytest.param(r'x.Y required a="Pa\tss\1234";', entry(a="Pa\tssS4"), id="tab-and-3-digit-octal"),
        pytest.param(r'x.Y required a="\477";', entry(a="\x277"), id="octal-above-3-takes-two-digits"),
        pytest.param(r'x.Y required a="\q";', entry(a="q"), id="other-backslash-letter-kept-as-letter"),
        pytest.param("x.Y required a=b c=d;", entry(a="b", c="d"), id="unquoted-words"),
        pytest.param("x.Y required a=b-1.c;", entry(a="b-1.c"), id="word-with-digits-dot-dash"),
        pytest.param("x.Y required a=$b;", entry(a="$b"), id="word-starting-with-dollar"),
        pytest.param('x.Y required a.b-c_d$e="v";', entry(**{"a.b-c_d$e": "v"}), id="option-name-word-chars"),
        pytest.param('x.Y required "a"="b";', entry(a="b"), id="quoted-option-name"),
        pytest.param('x.Y required a="b" a="c";', entry(a="c"), id="repeated-option-last-wins"),
        pytest.param('x.Y required 5="v";', entry(**{"": "v"}), id="number-option-name-has-no-text"),
        pytest.param('"x.Y" required;', entry(), id="quoted-module"),
        pytest.param("é.Ünïcode required;", entry(module="é.Ünïcode"), id="non-ascii-module"),
        pytest.param('x.Y\trequired\na="v"\r\n;', entry(a="v"), id="tabs-and-line-breaks"),
        pytest.param("x.Y required a='v'\n;", entry(a="v"), id="semicolon-on-next-line"),
    ],
)
def test_values_and_quoting(text: str, expected: JaasEntry) -> None:
    assert parse_jaas(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("// c\nx.Y required a='v';", entry(a="v"), id="line-comment-before"),
        pytest.param("x.Y required a='v'; // c", entry(a="v"), id="line-comment-after"),
        pytest.param(
            "/* c */ x.Y /* c2 */ required /* c3 */ a /* */ = /* */ 'v' /* */ ;",
            entry(a="v"),
            id="block-comments-between-every-token",
        ),
        pytest.param("x.Y required a='v'; /* never closed", entry(a="v"), id="unterminated-block-comment-at-end"),
        pytest.param("x.Y required a='v'; / lone slash", entry(a="v"), id="lone-slash-comments-out-the-rest"),
        pytest.param("x.Y required a='v' / lone slash ;", NO_SEMICOLON, id="lone-slash-hides-the-semicolon"),
        pytest.param("// only a comment", NO_ENTRY, id="only-a-comment"),
    ],
)
def test_comments(text: str, expected: JaasEntry | str) -> None:
    assert parse_jaas(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("x.Y required;", entry(), id="required"),
        pytest.param("x.Y Required;", entry(flag="Required"), id="any-case-kept-as-written"),
        pytest.param("x.Y REQUISITE;", entry(flag="REQUISITE"), id="requisite"),
        pytest.param("x.Y sufficient;", entry(flag="sufficient"), id="sufficient"),
        pytest.param("x.Y optional;", entry(flag="optional"), id="optional"),
        pytest.param("x.Y mandatory;", BAD_FLAG, id="unknown-flag"),
        pytest.param("x.Y 5;", BAD_FLAG, id="number-as-flag"),
        pytest.param("x.Y;", BAD_FLAG, id="semicolon-as-flag"),
        pytest.param("x.Y", NO_FLAG, id="module-alone"),
        pytest.param(";", NO_FLAG, id="semicolon-alone"),
        pytest.param("; x.Y required;", BAD_FLAG, id="leading-semicolon-read-as-module"),
        pytest.param("required;", BAD_FLAG, id="flag-without-module"),
        pytest.param("1.2 required;", NO_CLASS, id="number-as-module"),
    ],
)
def test_control_flags(text: str, expected: JaasEntry | str) -> None:
    assert parse_jaas(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "x.Y required a=b;x.Z required;",
            "it holds 2 login module entries; a Kafka client takes exactly one",
            id="two-entries",
        ),
        pytest.param(
            "x.Y required; x.Z required; x.W optional;",
            "it holds 3 login module entries; a Kafka client takes exactly one",
            id="three-entries",
        ),
        pytest.param('x.Y required a="v";;', NO_FLAG, id="double-semicolon-starts-an-entry"),
        pytest.param("", NO_ENTRY, id="empty"),
        pytest.param("   \t\n", NO_ENTRY, id="whitespace-only"),
    ],
)
def test_entries(text: str, expected: JaasEntry | str) -> None:
    assert parse_jaas(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("x.Y required a=b", NO_SEMICOLON, id="missing-semicolon"),
        pytest.param('x.Y required a="${P}"', NO_SEMICOLON, id="missing-semicolon-after-placeholder"),
        pytest.param('x.Y required a="unterminated;', NO_SEMICOLON, id="unterminated-quote-swallows-semicolon"),
        pytest.param('x.Y required a="unterminated', NO_SEMICOLON, id="unterminated-quote-at-end"),
        pytest.param('x.Y required a="line\nbreak";', bad_option(2), id="line-break-ends-a-quote"),
        pytest.param("x.Y required a=;", bad_option(1), id="value-missing"),
        pytest.param("x.Y required a;", bad_option(1), id="equals-missing"),
        pytest.param("x.Y required =b;", bad_option(1), id="key-missing"),
        pytest.param("x.Y required a=1;", bad_option(1), id="unquoted-number"),
        pytest.param("x.Y required a=-x;", bad_option(1), id="unquoted-leading-dash"),
        pytest.param("x.Y required a=b:c;", bad_option(2), id="colon-ends-a-word"),
        pytest.param("x.Y required a=b@c;", bad_option(2), id="at-sign-ends-a-word"),
        pytest.param("x.Y required keyTab=/etc/k.keytab;", bad_option(1), id="slash-starts-a-comment"),
    ],
)
def test_malformed_entries(text: str, expected: str) -> None:
    assert parse_jaas(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('x.Y required a="${P}";', entry(a="kkcRuntimePlaceholder"), id="whole-quoted-value"),
        pytest.param(
            'x.Y required a="pre${P}post";', entry(a="prekkcRuntimePlaceholderpost"), id="inside-a-quoted-value"
        ),
        pytest.param('x.Y required a="${P:default}";', entry(a="kkcRuntimePlaceholder"), id="with-a-default"),
        pytest.param("x.Y required a=${P};", None, id="unquoted-value"),
        pytest.param("x.Y required a=pre${P};", None, id="inside-an-unquoted-value"),
        pytest.param("${MODULE} required;", None, id="module"),
        pytest.param("x.Y ${FLAG};", None, id="flag"),
        pytest.param('x.Y required ${KEY}="v";', None, id="option-name"),
        pytest.param('x.Y required a="v" ${MORE};', None, id="more-options"),
        pytest.param('x.Y required a="v"; ${MORE}', None, id="more-entries"),
        pytest.param('x.Y required a="${P";', None, id="unclosed-placeholder"),
    ],
)
def test_runtime_placeholders(text: str, expected: JaasEntry | None) -> None:
    assert parse_jaas(text) == expected
