"""redact and bundle: seeded secrets never survive; structure, ids, pairing and `check` do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, EXAMPLES, run
from secret_corpus import credentials

from transcript_doctor.analysis import analyse
from transcript_doctor.redact import Redactor, redact_file, secret_name

HERE = Path(__file__).resolve().parent
SESSION = HERE / "redaction" / "claude-code-2.1.328-parallel-tools.jsonl"
CREDENTIALS = credentials()
DECK = "\n\n".join(snippet for _, _, snippet in CREDENTIALS)
IMAGE_DATA = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + "Qm9Ya3J5c2VjcmV0S2V5MTIz" * 4
SIGNATURE = "EqQBCkYIBxgCKkBvb3RzdHJhcCBzaWduYXR1cmUgZm9yIHRlc3Rz" + "QWxwaGFCZXRhR2FtbWFEZWx0YQ" * 3


def windows(secret: str, width: int = 12) -> list[str]:
    """Every piece of `secret` long enough to be a leak (the whole of a short one)."""
    if len(secret) <= width:
        return [secret]
    return [secret[i:i + width] for i in range(len(secret) - width + 1)]


def leaked(data: bytes) -> list[str]:
    text = data.decode("utf-8", "replace")
    return [kind for kind, secret, _ in CREDENTIALS if any(w in text for w in windows(secret))]


def seed(dst: Path) -> dict[str, int]:
    """The 2.1.328 session with every credential snippet in every field that carries text.
    Returns the line of each field."""
    records = [json.loads(x) for x in SESSION.read_text().splitlines()]
    where: dict[str, int] = {}

    def first(pred):
        return next(i for i, r in enumerate(records) if pred(r))

    i = first(lambda r: r["type"] == "queue-operation" and "content" in r)
    records[i]["content"] = DECK
    where["queue-operation content"] = i
    i = first(lambda r: r["type"] == "user" and isinstance(r["message"]["content"], str))
    records[i]["message"]["content"] = DECK
    where["prompt"] = i
    i = first(lambda r: r["type"] == "attachment" and r.get("rendered"))
    records[i]["rendered"][0]["content"] = DECK
    where["attachment rendered"] = i
    i = first(lambda r: r["type"] == "api-request-shape")
    records[i]["shape"]["system"][0]["text"] = DECK
    where["api-request-shape system"] = i
    i = first(lambda r: r["type"] == "api-request-blob")
    records[i]["message"]["content"][-1]["text"] = DECK
    where["api-request-blob message"] = i
    i = first(lambda r: r["type"] == "assistant" and r["message"]["content"][0]["type"] == "text")
    records[i]["message"]["content"][0]["text"] = DECK
    records[i]["message"]["content"].insert(0, {"type": "thinking", "thinking": DECK, "signature": SIGNATURE})
    where["assistant text and thinking"] = i
    calls = [i for i, r in enumerate(records) if r["type"] == "assistant" and r["message"]["content"][0]["type"] == "tool_use"]
    records[calls[0]]["message"]["content"][0]["input"] = {"command": DECK, "description": DECK}
    where["tool_use input (Bash)"] = calls[0]
    records[calls[1]]["message"]["content"][0]["input"] = {
        "file_path": "/home/dev/app/.env", "content": DECK,
        "env": {"DB_PASSWORD": "Vq7-plain", "api_key": "k3y-in-a-json-key", "clientSecret": "cs-93-json"}}
    where["tool_use input (Write, JSON keys)"] = calls[1]
    results = [i for i, r in enumerate(records) if r["type"] == "user" and isinstance(r["message"]["content"], list)]
    records[results[0]]["message"]["content"][0]["content"] = DECK
    records[results[0]]["toolUseResult"]["stdout"] = DECK
    records[results[0]]["toolUseResult"]["stderr"] = DECK
    where["tool_result string, toolUseResult stdout/stderr"] = results[0]
    records[results[1]]["message"]["content"][0]["content"] = [
        {"type": "text", "text": DECK},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": IMAGE_DATA}}]
    records[results[1]]["toolUseResult"] = {"type": "text", "file": {"filePath": "/home/dev/app/config.json",
                                                                     "content": DECK, "numLines": 400}}
    where["tool_result blocks, file read by a tool"] = results[1]
    i = first(lambda r: r["type"] == "last-prompt")
    records[i]["lastPrompt"] = DECK
    where["last-prompt"] = i
    records.append({"type": "summary", "summary": DECK, "leafUuid": records[-1].get("leafUuid") or records[i]["leafUuid"]})
    where["summary"] = len(records) - 1
    dst.write_text("".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records))
    return {k: v + 1 for k, v in where.items()}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeded")
    src, out = folder / "seeded.jsonl", folder / "redacted.jsonl"
    where = seed(src)
    result = run("redact", src, "-o", out, "--format", "json", "--report")
    assert result.code == 0, result.err
    return src, out, where, result


def test_the_seeded_corpus_is_forty_kinds_or_more_and_in_every_field(seeded):
    src, _, where, _ = seeded
    kinds = {kind for kind, _, _ in CREDENTIALS}
    assert len(kinds) >= 40
    data = src.read_bytes()
    lines = data.splitlines()
    for field_name, line in where.items():  # the seed is really there: every kind, in every field
        assert leaked(lines[line - 1]) == [k for k, _, _ in CREDENTIALS], field_name


def test_no_seeded_secret_survives_anywhere(seeded):
    src, out, where, _ = seeded
    redacted = out.read_bytes()
    assert leaked(redacted) == []
    for needle in (b"Vq7-plain", b"k3y-in-a-json-key", b"cs-93-json"):  # values of secret-named JSON keys
        assert needle not in redacted


def test_every_field_was_redacted_and_placeholders_are_stable(seeded):
    src, out, where, _ = seeded
    lines = out.read_text().splitlines()
    # the same secret gives the same placeholder in every field it appears in
    placeholders_by_field = [sorted(set(__import__("re").findall(r"\[REDACTED:[a-z0-9-]+:\d+\]", lines[n - 1])))
                             for n in where.values()]
    assert all(placeholders_by_field), where
    assert placeholders_by_field[0] == placeholders_by_field[1]


def test_report_names_kinds_and_lines_never_a_secret(seeded):
    src, out, where, result = seeded
    doc = result.json()
    assert leaked(result.out.encode()) == []
    assert {f["line"] for f in doc["findings"] if f["kind"] != "home-path"} == set(where.values())
    kinds = {f["kind"] for f in doc["findings"]}
    assert {"anthropic-api-key", "private-key", "secret-assignment", "secret-field", "high-entropy"} <= kinds
    text = run("redact", src, "-o", out.with_name("again.jsonl"), "--report")
    assert text.code == 0 and leaked(text.out.encode()) == []
    assert f"private-key x{sum(f['count'] for f in doc['findings'] if f['kind'] == 'private-key')}: lines " in text.out


def test_ids_hashes_signatures_and_image_data_are_untouched(seeded):
    src, out, _, _ = seeded
    before = [json.loads(x) for x in src.read_text().splitlines()]
    after = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(before) == len(after)
    keys = ("uuid", "parentUuid", "timestamp", "type", "sessionId", "requestId", "leafUuid", "hash", "tail",
            "shapeHash", "requestDigest", "id", "promptId")
    for b, a in zip(before, after):
        assert {k: b.get(k) for k in keys} == {k: a.get(k) for k in keys}
        if isinstance(b.get("message"), dict) and isinstance(b["message"].get("content"), list) and b["type"] != "api-request-blob":
            assert b["message"].get("id") == a["message"].get("id")
            shape = lambda blocks: [(x.get("type"), x.get("id"), x.get("tool_use_id"), x.get("signature"),
                                     json.dumps(x.get("content")) if x.get("type") == "tool_result" and
                                     isinstance(x.get("content"), list) and False else None) for x in blocks]
            assert shape(b["message"]["content"]) == shape(a["message"]["content"])
    data = out.read_text()
    assert IMAGE_DATA in data and SIGNATURE in data


def check_keys(path: Path) -> list[tuple]:
    analysis = analyse(path)
    return sorted((f.code, f.line, f.severity, f.message_index, f.content_index, f.tool_use_id) for f in analysis.findings)


def test_redacted_copy_checks_the_same_and_keeps_pairing(seeded):
    src, out, _, _ = seeded
    assert check_keys(out) == check_keys(src)
    assert run("check", out).code == run("check", src).code


CHECKED = sorted(CORPUS.glob("*.jsonl")) + sorted(EXAMPLES.glob("*.jsonl")) + [SESSION]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.name)
def test_check_of_the_redacted_copy_equals_check_of_the_original(path, tmp_path):
    out = tmp_path / "r.jsonl"
    redact_file(path, out)
    assert check_keys(out) == check_keys(path)
    src_lines, out_lines = path.read_bytes().splitlines(), out.read_bytes().splitlines()
    assert len(src_lines) == len(out_lines)


def test_check_gate_fails_before_and_passes_after(seeded):
    src, out, _, _ = seeded
    before = run("redact", src, "--check")
    assert before.code == 1 and "would redact" in before.out and leaked(before.out.encode()) == []
    after = run("redact", out, "--check", "--format", "json")
    assert after.code == 0, after.out
    assert after.json()["findings"] == []
    home_only = run("redact", EXAMPLES / "clean-2.0.30-parallel-tools.jsonl", "--check", "--format", "json")
    assert home_only.code == 1 and {f["kind"] for f in home_only.json()["findings"]} == {"home-path"}
    usage = run("redact", src)
    assert usage.code == 2 and "-o" in usage.err


def test_redacting_twice_changes_nothing_and_clean_lines_stay_byte_identical(seeded, tmp_path):
    src, out, where, _ = seeded
    again = tmp_path / "again.jsonl"
    result = redact_file(out, again)
    assert result["findings"] == [] and again.read_bytes() == out.read_bytes()
    touched = set(where.values())
    for n, (a, b) in enumerate(zip(src.read_bytes().splitlines(), out.read_bytes().splitlines()), 1):
        if n not in touched and b"/home/dev" not in a:
            assert a == b, n


def test_every_kind_in_every_surrounding_on_its_own():
    """Each credential alone, in its snippet, as a torn (unparsable) line and inside a JSON line."""
    for kind, secret, snippet in CREDENTIALS:
        r = Redactor()
        line = json.dumps({"type": "user", "message": {"role": "user", "content": snippet}}).encode()
        for raw in (line, line[:-2]):  # a whole record, and the same record torn
            out = r.redact_line(raw)
            assert leaked(out) == [] or kind not in leaked(out), (kind, out[:200])


@pytest.mark.parametrize("text", [
    "78ce12ca-1f76-4d09-beb2-ea267bfeeef1", "toolu_013273e821e2e120a3", "msg_0173fd122ad9aa1dd38ba5e7",
    "req_011CVvR6bHkR7W1XfuXW7Kz2", "commit 9f2c1e4b7a1d3c5e6f7a8b9c0d1e2f3a4b5c6d7e", "the password reset flow",
    'os.environ["API_KEY"]', "sk-ant-", "see https://example.com/docs", "EqQBCkYIBxgCKkBvb3RzdHJhcCBzaWduYXR1cmUgZm9yIHRlc3Rz",
    "const token = csrfToken;", "password = get_password(user)", "{ apiKey: process.env.API_KEY }", "max_tokens: 128000",
    "api_key: ${ANTHROPIC_API_KEY}", "HTTP Basic authentication is used", "date -u +%Y-%m-%dT%H:%M:%S",
    '"$schema": "https://json-schema.org/draft/2020-12/schema"', "sha256=" + "ab" * 32,
    "Co-Authored-By: Claude <noreply@anthropic.com>", "send Authorization: required on every call", "git clone git@github.com:acme/api.git",
])
def test_ordinary_text_is_left_alone(text):
    assert Redactor().redact_text(text) == text


@pytest.mark.parametrize("text,value", [
    ("$ cat .env\nDB_PASSWORD=supersecret\n", "supersecret"), ("  12\u2192export API_TOKEN=lettersonly\n", "lettersonly"),
    ('{"client_secret": "plainwords"}', "plainwords"), ("password: 'hunter two'", "hunter two"),
    ("psql --password=abc123 db", "abc123"), ("[db]\npasswd = s3cr3t\n", "s3cr3t"),
    ("X-Auth-Token: 8f14e45fceea167a5a36dedd4bea2543", "8f14e45fceea167a5a36dedd4bea2543"),
    ("DB_PASSWORD=a,b;c)d9  # production\n", "a,b;c)d9"), ("password: correct horse battery staple", "horse battery"),
    ('{"content": "X=1\\nSMTP_PASSWORD=p4,ss;wd\\nY=2"}', "p4,ss;wd"),
])
def test_secret_named_values_are_redacted_whatever_their_format(text, value):
    out = Redactor().redact_text(text)
    assert value not in out and "[REDACTED:" in out


@pytest.mark.parametrize("name,secret", [
    ("DB_PASSWORD", True), ("x-api-key", True), ("clientSecret", True), ("private_key_id", True), ("API_KEY_PROD", True),
    ("aws_secret_access_key", True), ("authDomain", False), ("max_tokens", False), ("token_url", False),
    ("password_reset", False), ("sessionId", False), ("apiKeySource", False),
])
def test_secret_names(name, secret):
    assert secret_name(name) is secret


def test_torn_line_with_a_key_is_still_redacted(tmp_path):
    kind, secret, snippet = CREDENTIALS[0]
    src = tmp_path / "t.jsonl"
    src.write_bytes((EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_bytes()
                    + b'{"type":"user","message":{"role":"user","content":"key ' + secret.encode())
    out = tmp_path / "r.jsonl"
    assert run("redact", src, "-o", out).code == 0
    assert leaked(out.read_bytes()) == []


def test_home_path_and_email_are_replaced(tmp_path):
    lines = (EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_text().splitlines()
    records = [json.loads(x) for x in lines]
    for r in records:
        if "cwd" in r:
            r["cwd"] = "/Users/jane/work/app"
    prompt = next(r for r in records if r.get("type") == "user" and isinstance(r["message"]["content"], str))
    prompt["message"]["content"] = "mail jane.doe@example.com about /Users/jane/work/app/.env"
    src, out = tmp_path / "s.jsonl", tmp_path / "r.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run("redact", src, "-o", out, "--format", "json")
    assert result.code == 0
    data = out.read_text()
    assert "/Users/jane" not in data and "jane.doe" not in data
    assert result.json()["found"]["home-path"] == sum(1 for r in records if "cwd" in r) + 1
    assert run("redact", out, "--check").code == 0


def test_bundle_goes_through_the_same_redactor(seeded, tmp_path):
    src, _, _, _ = seeded
    lines = src.read_text().splitlines()
    torn = tmp_path / "torn.jsonl"
    torn.write_text("\n".join(lines) + "\n" + lines[-1][:100])
    report = tmp_path / "report.md"
    result = run("bundle", torn, "-o", report)
    assert result.code == 0, result.err
    text = report.read_text()
    assert leaked(text.encode()) == []
    assert "| TD002 torn-last-line | error |" in text
    assert "## What `transcript-doctor fix` would do" in text


def test_items_of_a_secret_named_list_are_redacted():
    out = Redactor().redact_value({"input": {"secrets": ["first-secret-1", "second-secret-2"], "names": ["keep-me"]}})
    assert "first-secret-1" not in json.dumps(out) and "second-secret-2" not in json.dumps(out)
    assert out["input"]["names"] == ["keep-me"]


def test_without_the_rule_set_nothing_is_written_and_the_message_says_why(tmp_path):
    shadow = tmp_path / "shadow" / "kingfisher_sdk"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no wheel for this platform')\n")
    out = tmp_path / "r.jsonl"
    result = run("redact", EXAMPLES / "clean-2.0.30-parallel-tools.jsonl", "-o", out,
                 env={"PYTHONPATH": str(shadow.parent)})
    assert result.code == 2 and "kingfisher-secret-scanner" in result.err and "Traceback" not in result.err
    assert not out.exists()
