"""Replace secrets and the user's home path in a transcript with stable placeholders.

Detection has three layers, applied to every string of every record except the fields that hold
identifiers and opaque data (uuids, tool/message/request ids, timestamps, thinking signatures,
image data, the hashes of `api-request` records):

1. the provider rules of a maintained secret scanner, Kingfisher (`kingfisher-secret-scanner`,
   about 490 rules from the gitleaks/betterleaks and OSV-SCALIBR catalogs), run over each raw line;
2. our own patterns for what that catalog misses or only finds next to a keyword (PEM blocks of
   every kind even inside a Read tool's numbered lines, credentials in URLs, Sentry DSNs,
   bearer/basic headers, Telegram bot tokens, the well-known key prefixes as a safety net);
3. structure: the value of a JSON key, env/INI/YAML assignment, HTTP header or command-line flag
   whose name says secret (`password`, `token`, `api_key`, `client_secret`, ...) whatever its
   format, and high-entropy values in assignment or header position.

The same secret always gets the same placeholder (`[REDACTED:github-pat:1]`). What is reported is
the kind and line of each finding, never a secret. Lines with nothing to redact are written back
byte for byte.
"""

from __future__ import annotations

import base64
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

# Fields whose values are identifiers or opaque data: never rewritten.
KEEP = frozenset({
    "uuid", "parentUuid", "logicalParentUuid", "leafUuid", "sessionId", "id", "tool_use_id", "requestId",
    "messageId", "timestamp", "type", "role", "signature", "data", "toolUseID", "parentToolUseID",
    "sourceToolAssistantUUID", "agentId", "promptId", "model", "version", "media_type", "subtype", "operation",
    # api-request, api-request-blob, api-request-shape records (2.1.3xx): hashes of the messages sent
    "hash", "tail", "shapeHash", "requestDigest",
})

PLACEHOLDER_PREFIX = "[REDACTED:"

# Ids the format defines; a detector hit that has this shape is never a secret to replace.
_FORMAT_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|(?:toolu|msg|req|srvtoolu|call)_[A-Za-z0-9]+|[0-9a-f]{40}|[0-9a-f]{64}")

_PEM = re.compile(
    r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*$)")

# (kind, pattern, group to replace: 0 for the whole match, literals one of which a match must contain).
# Applied after the library's findings; the literals skip a pattern at C speed where it cannot match.
PATTERNS: list[tuple[str, re.Pattern[str], int, tuple[str, ...]]] = [
    ("private-key", _PEM, 0, ('PRIVATE KEY',)),
    # the well-known prefixes, as a safety net under the library's rules (which also check context)
    ("anthropic-api-key", re.compile(r"\bsk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_-]{20,}"), 0, ('sk-ant-',)),
    ("openai-api-key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}"), 0, ('T3BlbkFJ',)),
    ("aws-access-token", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"), 0, ('AKIA', 'ASIA', 'ABIA', 'ACCA')),
    ("github-token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"), 0, ('ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_')),
    ("gitlab-token", re.compile(r"\bgl(?:pat|dt|ptt|rt|cbt|ft|imt|soat)-[A-Za-z0-9_-]{20,}"), 0, ('glpat-', 'gldt-', 'glptt-', 'glrt-', 'glcbt-', 'glft-', 'glimt-', 'glsoat-')),
    ("slack-token", re.compile(r"\bxox[abeoprs]-(?:\d+-)+[A-Za-z0-9-]{10,}"), 0, ('xox',)),
    ("slack-webhook-url", re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"), 0, ('hooks.slack.com',)),
    ("discord-webhook-url", re.compile(r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+"), 0, ('/api/webhooks/',)),
    ("stripe-key", re.compile(r"\b(?:sk|rk|whsec)_(?:live|test)?_?[A-Za-z0-9]{24,}"), 0, ('sk_', 'rk_', 'whsec_')),
    ("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), 0, ('AIza',)),
    ("npm-token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), 0, ('npm_',)),
    ("pypi-token", re.compile(r"\bpypi-AgE[A-Za-z0-9_-]{50,}"), 0, ('pypi-AgE',)),
    ("huggingface-token", re.compile(r"\bhf_[A-Za-z]{34}\b"), 0, ('hf_',)),
    ("dockerhub-token", re.compile(r"\bdckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}"), 0, ('dckr_',)),
    ("digitalocean-token", re.compile(r"\bdo[opr]_v1_[a-f0-9]{64}\b"), 0, ('_v1_',)),
    ("shopify-token", re.compile(r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"), 0, ('shp',)),
    ("sendgrid-api-token", re.compile(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"), 0, ('SG.',)),
    ("telegram-bot-token", re.compile(r"(?<![0-9])\d{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])"), 0, (':AA',)),
    ("discord-bot-token", re.compile(r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])"), 0, ()),
    ("heroku-api-key", re.compile(r"\bHRKU-AA[A-Za-z0-9_-]{58}"), 0, ('HRKU-',)),
    ("twilio-auth-token", re.compile(r"(\bAC[0-9a-f]{32}['\"]?\s*[,:]\s*['\"]?)([0-9a-f]{32})\b"), 2, ('AC',)),
    ("netrc-password", re.compile(r"(\blogin\s+\S+\s+password\s+)(\S+)"), 2, ('password',)),
    ("sentry-token", re.compile(r"\bsntry[us]_[A-Za-z0-9_=+/-]{40,}"), 0, ('sntry',)),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0, ('eyJ',)),
    ("sentry-dsn", re.compile(r"(https?://)([0-9a-f]{32}(?::[0-9a-f]{32})?)(@[A-Za-z0-9.-]*sentry[A-Za-z0-9.-]*/)"), 2, ('sentry',)),
    ("url-password", re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@\"'<>]*:)([^\s@/\"'<>]+)(@)"), 2, ('://',)),
    ("bearer-token", re.compile(r"(\b[Bb]earer\s+)([A-Za-z0-9._~+/=-]{12,})"), 2, ('earer',)),
    ("authorization-header", re.compile(r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?(?:[A-Za-z-]+\s+)?)((?=[A-Za-z._~+/=:-]*[0-9])[A-Za-z0-9._~+/=:-]{8,})"),
     2, ("uthorization", "UTHORIZATION")),
    # passwords given to a command positionally: `docker login -p X`, `mysql -pX`, `sshpass -p X`
    ("cli-password", re.compile(r"(\b(?:docker|podman|helm|buildah|skopeo|nerdctl)\b[^\n]{0,80}?\blogin\b[^\n]{0,200}?[ \t]-p[ \t]+['\"]?)([^\s'\"]+)"),
     2, ("login",)),
    ("cli-password", re.compile(r"(\bmysql(?:dump|admin|sh)?\b[^\n]{0,200}?[ \t]-p['\"]?)([^\s'\"-][^\s'\"]*)"), 2, ("mysql",)),
    ("cli-password", re.compile(r"(\bsshpass[ \t]+-p[ \t]*['\"]?)([^\s'\"]+)"), 2, ("sshpass",)),
    ("basic-auth", re.compile(r"(\b[Bb]asic\s+)([A-Za-z0-9+/]{12,}={0,2})"), 2, ('asic',)),
    ("curl-user-password", re.compile(r"((?:^|\s)(?:-u|--user)\s+['\"]?[A-Za-z0-9._@-]+:)([^\s'\"]+)"), 2, ('-u',)),
]

# An assignment, JSON member, YAML mapping or HTTP header: `NAME = value`, `"name": "value"`, `Name: value`.
_ASSIGN = re.compile(
    r"""(?:(?<=\\[nrt])|(?<![A-Za-z0-9_.\\-]))(?P<name>[A-Za-z_][A-Za-z0-9_.-]{0,80}+)(?:\\?["'])?(?P<sep>[ \t]*(?:=|:=|=>|:)[ \t]*)"""
    # the value in a lookahead: the search goes on inside it, for `"content": "API_KEY=..."`
    r"""(?=(?P<q>\\?")(?P<qv>[^"\n\\]{1,400})(?P=q)|(?P<q2>\\?')(?P<qv2>[^'\n\\]{1,400})(?P=q2)"""
    r"""|\\?["']?(?P<v>[^\s"'`,;(){}\[\]<>\\]{1,400}))""")
# `aws configure set aws_secret_access_key X`, `gh secret set API_KEY --body X`.
_SET = re.compile(r"""\bset[ \t]+(?P<name>[A-Za-z_][\w.-]{0,80})[ \t]+(?:--body[ \t]+|-b[ \t]+)?(?P<q>["']?)(?P<v>[^\s"'`]{3,400})(?P=q)""")
# A command-line flag: `--password hunter2`, `--api-key=...`.
_FLAG = re.compile(r"""(?<![\w-])--?(?P<name>[A-Za-z][\w-]{1,60})(?:=|[ \t]+)(?P<q>["']?)(?P<v>[^\s"'`]{1,400})(?P=q)""")

_SECRET_WORDS = frozenset({
    "password", "passwd", "passphrase", "pwd", "pass", "secret", "secrets", "token", "apikey", "credential",
    "credentials", "privatekey", "accesskey", "secretkey", "clientsecret", "authorization", "auth", "dsn",
    "connectionstring", "authtoken", "accesstoken", "refreshtoken", "sessionkey", "signingkey", "masterkey",
    "encryptionkey", "accountkey", "webhookurl", "cookie", "sessionid", "privatekeyid",
})
_JOINED = frozenset({"api key", "private key", "access key", "secret key", "client secret", "account key", "signing key",
           "master key", "session key", "encryption key", "auth token", "app key", "application key", "access token", "refresh token",
           "connection string", "webhook url"})
# Words a name may end with after the secret word: `API_KEY_PROD`, `PASSWORD_2`, `secret_b64`.
_SUFFIX_WORDS = re.compile(r"\d+|v\d+|prod|production|dev|development|staging|stage|test|live|local|value|raw|b64|base64|hex|enc|encoded")
# Values that name something rather than being it.
_NOT_A_VALUE = frozenset({
    "true", "false", "null", "none", "nil", "undefined", "yes", "no", "on", "off", "required", "optional",
    "string", "str", "int", "bool", "bytes", "any", "object", "secret", "password", "token", "bearer", "basic",
    "digest", "redacted", "hidden", "masked", "changeme", "example", "test", "xxx", "empty", "default", "env",
    "text", "value", "self", "this", "new", "function", "return", "process", "os", "str", "sensitive",
})
_REFERENCE = re.compile(
    r"^(?:\$|%|\{|<|\*+$|x+$|X+$|\.\.\.|…)|^(?:process\.env|os\.environ|os\.getenv|env\.|secrets\.|vars\.|config\.|settings\.|self\.|this\.|args\.|opts\.|options\.|props\.|req\.|request\.)"
    r"|^[A-Z][A-Z0-9_]*$|^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_]*")
# The assignment starts its line (after `export`, indentation or a Read tool's line number): a .env/INI/YAML line.
_LINE_START = re.compile(r"[ \t]*(?:\d+\u2192)?[ \t]*(?:export[ \t]+|-[ \t]+)?")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ENTROPY_VALUE = re.compile(r"^[A-Za-z0-9+/=_~.-]{20,}$")

_HOME = re.compile(r"^(/Users/[^/]+|/home/[^/]+|[A-Za-z]:\\\\Users\\\\[^\\\\]+)")
HOME_PLACEHOLDER = "/home/[user]"
# Addresses that belong to no person: kept, so a bundle still reads right.
_PUBLIC_EMAILS = frozenset({"noreply@anthropic.com", "git@github.com", "git@gitlab.com", "git@bitbucket.org",
                            "noreply@github.com"})
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# Cheap pre-check of a string: no hit, no detector of layers 2 and 3 can match it.
_TRIGGER = re.compile(r"[=:@]|PRIVATE KEY|[Bb]earer|[Bb]asic|--?[A-Za-z]|\b(?:sk|gh[pousr]|gl[a-z]{1,3}|xox|AKIA|ASIA|AIza|npm|pypi|hf|dckr|do[opr]|shp|SG|eyJ|sntry|rk|whsec)[_.-]")


@functools.lru_cache(maxsize=4096)
def secret_name(name: str) -> bool:
    """Whether a key, variable, header or flag name says its value is a secret: its last word does
    (`DB_PASSWORD`, `x-api-key`, `clientSecret`; `authDomain`, `max_tokens`, `token_url` do not)."""
    words = [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]
    while len(words) > 1 and _SUFFIX_WORDS.fullmatch(words[-1]):
        words.pop()
    if not words:
        return False
    if words[-1] in _SECRET_WORDS or words[-3:] == ["private", "key", "id"]:
        return True
    return " ".join(words[-2:]) in _JOINED


def plausible_value(value: str, quoted: bool = False) -> bool:
    """Whether a value in a secret-named slot is a value (not a reference, type or placeholder)."""
    v = value.strip()
    if len(v) < 3 or PLACEHOLDER_PREFIX in v or v.lower() in _NOT_A_VALUE:
        return False
    if quoted:
        return not re.match(r"^(?:\$\{|\{\{|<[A-Za-z_ -]+>$|\*+$|x+$|%\()", v)
    return not _REFERENCE.search(v)


def entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def high_entropy(value: str) -> bool:
    """A random-looking token: long, mixed letters and digits, not an id or hash of the format."""
    if len(value) < 20 or not _ENTROPY_VALUE.match(value) or _FORMAT_ID.fullmatch(value) or _FORMAT_ID.match(value):
        return False
    if not (re.search(r"\d", value) and re.search(r"[A-Za-z]", value)):
        return False
    if re.fullmatch(r"[0-9a-fA-F]+", value):  # hex digests: commit ids, checksums
        return False
    if value[0] in "/-.~" or "//" in value or "/" in value and re.search(r"[-._]", value):
        return False  # paths and URLs (base64 has `/` but none of `-._`)
    if value.count(".") >= 2 and not value.startswith("eyJ") or value.count("-") >= 3 or value.count("_") >= 3:
        return False  # dotted names, versions, slugs
    return entropy(value) >= 4.0


def _is_user_password(value: str) -> bool:
    try:
        return b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except ValueError:
        return False


class RedactionUnavailable(RuntimeError):
    """The rule set cannot be loaded: nothing is redacted rather than something half redacted."""


class _Library:
    """The maintained rule set: Kingfisher's scanner, loaded once (its compiled rules are cached)."""

    scanner = None

    @classmethod
    def get(cls):
        if cls.scanner is None:
            try:
                from kingfisher_sdk import Rules, Scanner
            except ImportError as exc:  # a platform without its wheel: never redact with half the rules
                raise RedactionUnavailable(
                    f"redaction needs kingfisher-secret-scanner ({exc}); pip install kingfisher-secret-scanner") from exc

            # base64=False: decoding every base64 run would scan image data, which is never redacted
            cls.scanner = Scanner(Rules(), base64=False, redact=False)
        return cls.scanner

    @classmethod
    def secrets(cls, data: bytes) -> list[tuple[str, str]]:
        """(kind, secret) for each hit in `data`, secrets of format-id shape left out."""
        out = []
        for finding in cls.get().scan(data):
            if not finding.visible:
                continue
            secret = finding.secret
            if "\\" in secret:  # found in a raw JSON line: compare with the decoded strings
                try:
                    secret = orjson.loads(b'"' + secret.encode("utf-8") + b'"')
                except orjson.JSONDecodeError:
                    pass
            if len(secret) < 8 or _FORMAT_ID.fullmatch(secret) or secret.startswith(PLACEHOLDER_PREFIX):
                continue
            kind = finding.rule_id.rsplit("/", 1)[-1].rsplit(".", 1)[-1] if "/" in finding.rule_id \
                else finding.rule_id.split(".", 1)[-1]
            out.append((kind, secret))
        # longest first, so a secret that contains another is replaced whole
        return sorted(set(out), key=lambda ks: -len(ks[1]))


@dataclass
class Redactor:
    home: str | None = None
    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    hits: list[tuple[int, str]] = field(default_factory=list)  # (line, kind), for --report
    line: int = 0
    _per_kind: Counter = field(default_factory=Counter)
    _memo: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=dict)
    _taking: list[tuple[str, str]] | None = None

    @staticmethod
    def detect_home(cwd_values) -> str | None:
        for cwd in cwd_values:
            if isinstance(cwd, str):
                m = _HOME.match(cwd)
                if m and m.group(1) != HOME_PLACEHOLDER:
                    return m.group(1)
        return None

    def _placeholder(self, kind: str, secret: str) -> str:
        key = (kind, secret)
        if key not in self.placeholders:
            self._per_kind[kind] += 1
            self.placeholders[key] = f"{PLACEHOLDER_PREFIX}{kind}:{self._per_kind[kind]}]"
        self.found[kind] = self.found.get(kind, 0) + 1
        self.hits.append((self.line, kind))
        if self._taking is not None:
            self._taking.append(key)
        return self.placeholders[key]

    def redact_text(self, text: str, library: list[tuple[str, str]] | None = None) -> str:
        """Redact one string. `library`: the library's hits on the line it came from (scanned here if None)."""
        if library is None:
            library = _Library.secrets(text.encode("utf-8", "replace")) if text else []
        for kind, secret in library:
            if secret in text:
                text = text.replace(secret, self._placeholder(kind, secret))
        if _TRIGGER.search(text):
            text = self._detect(text)
        if self.home and self.home in text:
            count = text.count(self.home)
            self.found["home-path"] = self.found.get("home-path", 0) + count
            self.hits.extend([(self.line, "home-path")] * count)
            text = text.replace(self.home, HOME_PLACEHOLDER)
        return text

    def _detect(self, text: str) -> str:
        """Layers 2 and 3. A transcript repeats long strings (a tool's output is in the tool_result and
        in toolUseResult; files are read again): their result is remembered, and its placeholders are
        taken again so that the counts and the report stay per occurrence."""
        memo = self._memo.get(text) if len(text) >= 256 else None
        if memo is not None:
            out, taken = memo
            for kind, secret in taken:
                self._placeholder(kind, secret)
            return out
        outer, self._taking = self._taking, []
        try:
            out = self._emails(self._structure(self._patterns(text)))
            taken = self._taking
        finally:
            self._taking = outer
        if outer is not None:
            outer.extend(taken)
        if len(text) >= 256:
            if len(self._memo) >= 4096:
                self._memo.clear()
            self._memo[text] = (out, tuple(taken))
        return out

    def _patterns(self, text: str) -> str:
        for kind, pattern, group, literals in PATTERNS:
            for literal in literals:
                if literal in text:
                    break
            else:
                if literals:
                    continue
            if group == 0:
                text = pattern.sub(lambda m, k=kind: m.group(0) if PLACEHOLDER_PREFIX in m.group(0)
                                   else self._placeholder(k, m.group(0)), text)
            else:
                def keep_rest(m, k=kind, g=group):
                    if PLACEHOLDER_PREFIX in m.group(0):  # already redacted by an earlier detector
                        return m.group(0)
                    if k == "basic-auth" and not _is_user_password(m.group(g)):
                        return m.group(0)  # "Basic authentication"
                    parts = [m.group(i) or "" for i in range(1, (m.lastindex or 0) + 1)]
                    parts[g - 1] = self._placeholder(k, m.group(g))
                    return "".join(parts)

                text = pattern.sub(keep_rest, text)
        return text

    def _structure(self, text: str) -> str:
        def starts_line(m: re.Match) -> bool:
            # a newline, or the escaped newline of a raw JSON line (a torn record)
            escaped = text.rfind("\\n", 0, m.start())
            begin = max(text.rfind("\n", 0, m.start()) + 1, escaped + 2 if escaped >= 0 else 0)
            return _LINE_START.fullmatch(text, begin, m.start()) is not None

        def whole_line_value(m: re.Match) -> str:
            """An unquoted value of a .env/INI/YAML line runs to the end of the line (`PASSWORD=a,b;c)d`),
            less a trailing comment."""
            at = m.start("v")
            ends = [i for i in (text.find("\n", at), text.find("\\n", at)) if i >= 0]
            value = text[at:min(ends) if ends else len(text)].rstrip()
            comment = value.find(" #")
            value = value[:comment].rstrip() if comment > 0 else value
            if value.endswith('"') and '"' not in value[:-1]:
                value = value[:-1]  # the end of the JSON string this line was printed in
            return value if len(value) > len(m.group("v")) else m.group("v")

        def kind_of(m: re.Match, value: str, quoted: bool) -> str | None:
            if len(value) < 20 and not secret_name(m.group("name")):
                return None  # most `word: text` pairs: too short to be random, and not named secret
            if PLACEHOLDER_PREFIX in value or (not quoted and text[m.end("v"):m.end("v") + 1] in ("(", "[")):
                return None
            if not quoted and _IDENTIFIER.fullmatch(value) and not starts_line(m):
                return None  # `token: csrfToken` in code names a variable; in a .env file it is the value
            if secret_name(m.group("name")) and plausible_value(value, quoted):
                return "secret-assignment"
            return "high-entropy" if high_entropy(value) else None

        parts: list[str] = []
        done = 0
        for m in _ASSIGN.finditer(text):
            if m.start() < done:
                continue  # inside a value just replaced
            group = "qv" if m.group("qv") is not None else "qv2" if m.group("qv2") is not None else "v"
            quoted = group != "v"
            value_at, value = m.start(group), m.group(group)
            if not quoted and secret_name(m.group("name")) and starts_line(m):
                value = whole_line_value(m)
            kind = kind_of(m, value, quoted)
            if kind is None:
                continue
            parts += [text[done:value_at], self._placeholder(kind, value)]
            done = value_at + len(value)
        if parts:
            text = "".join(parts) + text[done:]

        def flag(m: re.Match) -> str:
            value = m.group("v")
            if not secret_name(m.group("name")) or not plausible_value(value, bool(m.group("q"))):
                return m.group(0)
            start = m.start("v") - m.start()
            whole = m.group(0)
            return whole[:start] + self._placeholder("secret-flag", value) + whole[start + len(value):]

        def set_command(m: re.Match) -> str:
            value = m.group("v")
            if not secret_name(m.group("name")) or not plausible_value(value, bool(m.group("q"))):
                return m.group(0)
            start = m.start("v") - m.start()
            whole = m.group(0)
            return whole[:start] + self._placeholder("secret-set", value) + whole[start + len(value):]

        if "set" in text:
            text = _SET.sub(set_command, text)
        return _FLAG.sub(flag, text) if "-" in text else text

    def _emails(self, text: str) -> str:
        if "@" not in text:
            return text
        return _EMAIL.sub(lambda m: m.group(0) if m.group(0).lower() in _PUBLIC_EMAILS
                          else self._placeholder("email", m.group(0)), text)

    def redact_value(self, value: Any, key: str | None = None, library: list[tuple[str, str]] | None = None) -> Any:
        if library is None:
            library = []
        if isinstance(value, str):
            if key in KEEP:
                return value
            if key is not None and secret_name(key) and plausible_value(value, quoted=True) \
                    and not _FORMAT_ID.fullmatch(value):
                return self._placeholder("secret-field", value)
            return self.redact_text(value, library)
        if isinstance(value, list):
            # the items of a secret-named list are secrets too (`"secrets": ["...", "..."]`)
            keep = key if key is not None and (key in KEEP or secret_name(key)) else None
            return [self.redact_value(v, keep, library) for v in value]
        if isinstance(value, dict):
            return {k: self.redact_value(v, k, library) for k, v in value.items()}
        return value

    def redact_line(self, raw: bytes) -> bytes:
        library = _Library.secrets(raw)
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            text = raw.decode("utf-8", "replace")
            cleaned = self.redact_text(text, library)
            return raw if cleaned == text else cleaned.encode("utf-8")
        before = len(self.hits)
        redacted = self.redact_value(value, None, library)
        if len(self.hits) == before:
            return raw
        return orjson.dumps(redacted)


def redact_file(src: Path, dst: Path | None, home: str | None = None) -> dict[str, Any]:
    """Stream `src` into `dst` with secrets replaced; `dst` is written atomically. With `dst` None,
    nothing is written (a check): the result still says what would be redacted, and where."""
    from contextlib import nullcontext

    from .writer import atomic_file

    if home is None:
        home = _detect_home_in(src)
    redactor = Redactor(home=home)
    lines = changed = 0
    with open(src, "rb") as handle, (atomic_file(dst) if dst is not None else nullcontext()) as out:
        for chunk in handle:
            lines += 1
            redactor.line = lines
            ending = b"\n" if chunk.endswith(b"\n") else b""
            body = chunk[:-1] if ending else chunk
            new = redactor.redact_line(body)
            if new != body:
                changed += 1
            if out is not None:
                out.write(new + ending)
    by_line: dict[tuple[int, str], int] = Counter(redactor.hits)
    return {"lines": lines, "lines_changed": changed, "found": dict(sorted(redactor.found.items())),
            "findings": [{"line": line, "kind": kind, "count": n} for (line, kind), n in sorted(by_line.items())]}


def _detect_home_in(src: Path, limit: int = 200) -> str | None:
    cwds = []
    with open(src, "rb") as handle:
        for i, line in enumerate(handle):
            if i >= limit:
                break
            m = re.search(rb'"cwd"\s*:\s*"([^"]+)"', line)
            if m:
                cwds.append(m.group(1).decode("utf-8", "replace"))
    return Redactor.detect_home(cwds)
