"""redact and bundle: seeded secrets never survive; structure, ids and pairing do."""

from __future__ import annotations

import json

import pytest
from conftest import EXAMPLES, run

from transcript_doctor.redact import Redactor

SECRETS = {
    "anthropic-api-key": "sk-ant-api03-Xq9vT3bLkZ8mN2pR7sW4yU6iO0aE5dF1gH3jK",
    "openai-api-key": "sk-proj-4fGh7JkL9mNbVcXz2QwErTyUiOp8AsDf",
    "aws-access-key-id": "AKIAIOSFODNN7EXAMPLE",
    "github-token": "ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R",
    "gitlab-token": "glpat-xYz12345AbCdEfGhIjKl",
    "slack-token": "xoxb-123456789012-abcdefghijkl",
    "stripe-key": "sk_live_51HcF2dKx8YbQwErTy",
    "google-api-key": "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "npm-token": "npm_abcdefghijklmnopqrstuvwxyz0123456789",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "email": "jane.doe@example.com",
}
URL_PASSWORD = "hunter2secret"
BEARER = "abcdef0123456789abcdef0123456789"
PRIVATE_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----"


def seeded(tmp_path):
    lines = (EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_text().splitlines()
    records = [json.loads(x) for x in lines]
    prompt = next(i for i, r in enumerate(records) if r.get("type") == "user" and isinstance(r["message"]["content"], str))
    records[prompt]["message"]["content"] = (
        f"deploy with {SECRETS['anthropic-api-key']} and {SECRETS['openai-api-key']}; mail {SECRETS['email']}"
    )
    call = next(i for i, r in enumerate(records) if r.get("type") == "assistant" and r["message"]["content"][0]["type"] == "tool_use")
    records[call]["message"]["content"][0]["input"]["command"] = (
        f"curl -H 'Authorization: Bearer {BEARER}' https://admin:{URL_PASSWORD}@db.internal/ && export AWS={SECRETS['aws-access-key-id']}"
    )
    results = [i for i, r in enumerate(records) if r.get("type") == "user" and isinstance(r["message"]["content"], list)]
    records[results[0]]["message"]["content"][0]["content"] = f"{SECRETS['github-token']} {SECRETS['gitlab-token']}\n{PRIVATE_KEY}"
    records[results[0]]["toolUseResult"]["stdout"] = f"{SECRETS['slack-token']} {SECRETS['stripe-key']} {SECRETS['github-token']}"
    records[results[1]]["message"]["content"][0]["content"] = [
        {"type": "text", "text": f"{SECRETS['google-api-key']} {SECRETS['npm-token']} token {SECRETS['jwt']}"}]
    for r in records:
        if "cwd" in r:
            r["cwd"] = "/Users/jane/work/app"
    src = tmp_path / "s.jsonl"
    out_lines = [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in records]
    touched = {prompt, call, results[0], results[1]}
    src.write_text("\n".join(out_lines) + "\n")
    return src, records, touched


def test_no_seeded_secret_survives_and_structure_does(tmp_path):
    src, records, _ = seeded(tmp_path)
    out = tmp_path / "r.jsonl"
    result = run("redact", src, "-o", out, "--format", "json")
    assert result.code == 0, result.err
    data = out.read_bytes()
    for secret in [*SECRETS.values(), URL_PASSWORD, BEARER, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ", "/Users/jane"]:
        assert secret.encode() not in data, secret
        assert json.dumps(secret)[1:-1].encode() not in data, secret
    redacted = [json.loads(x) for x in data.splitlines()]
    assert len(redacted) == len(records)
    for before, after in zip(records, redacted):
        for key in ("uuid", "parentUuid", "timestamp", "type", "sessionId"):
            assert before.get(key) == after.get(key)
        content_b = before.get("message", {}).get("content")
        content_a = after.get("message", {}).get("content")
        if isinstance(content_b, list):
            assert [(b.get("type"), b.get("id"), b.get("tool_use_id")) for b in content_b] == \
                   [(b.get("type"), b.get("id"), b.get("tool_use_id")) for b in content_a]
    assert run("check", out).code == 0
    found = result.json()["found"]
    for kind in SECRETS:
        assert found.get(kind, 0) >= 1, kind
    assert found["github-token"] == 2 and found["url-password"] == 1 and found["bearer-token"] == 1
    assert found["private-key"] == 1 and found["home-path"] == len([r for r in records if "cwd" in r])
    assert not any(secret in result.out for secret in SECRETS.values())


def test_same_secret_same_placeholder_and_untouched_lines_identical(tmp_path):
    src, records, touched = seeded(tmp_path)
    out = tmp_path / "r.jsonl"
    assert run("redact", src, "-o", out).code == 0
    text = out.read_text()
    assert text.count("[REDACTED:github-token:1]") == 2 and "[REDACTED:github-token:2]" not in text
    src_lines, out_lines = src.read_bytes().splitlines(), out.read_bytes().splitlines()
    for i, (a, b) in enumerate(zip(src_lines, out_lines)):
        if i not in touched and b'"cwd"' not in a:
            assert a == b


@pytest.mark.parametrize("text", [
    "78ce12ca-1f76-4d09-beb2-ea267bfeeef1", "toolu_013273e821e2e120a3", "msg_0173fd122ad9aa1dd38ba5e7",
    "commit 9f2c1e4b7a1d3c5e6f7a8b9c0d1e2f3a4b5c6d7e", "the password reset flow", 'os.environ["API_KEY"]',
    "sk-ant-", "see https://example.com/docs", "EqQBCkYIBxgCKkBvb3RzdHJhcCBzaWduYXR1cmUgZm9yIHRlc3Rz",
])
def test_ordinary_text_is_left_alone(text):
    assert Redactor().redact_text(text) == text


def test_signatures_and_ids_are_never_rewritten():
    r = Redactor()
    value = {"uuid": "jane.doe@example.com", "message": {"content": [
        {"type": "thinking", "thinking": "mail jane.doe@example.com", "signature": "sk-ant-api03-Xq9vT3bLkZ8mN2pR7sW4yU6iO0aE5dF1gH3jK"}]}}
    out = r.redact_value(value)
    assert out["uuid"] == value["uuid"]
    assert out["message"]["content"][0]["signature"] == value["message"]["content"][0]["signature"]
    assert "jane.doe" not in out["message"]["content"][0]["thinking"]


def test_torn_line_with_a_key_is_still_redacted(tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_bytes((EXAMPLES / "clean-2.0.30-parallel-tools.jsonl").read_bytes()
                    + b'{"type":"user","message":{"role":"user","content":"key ' + SECRETS["anthropic-api-key"].encode())
    out = tmp_path / "r.jsonl"
    assert run("redact", src, "-o", out).code == 0
    assert SECRETS["anthropic-api-key"].encode() not in out.read_bytes()


def test_bundle_is_redacted_and_says_what_fix_would_do(tmp_path):
    src, records, _ = seeded(tmp_path)
    lines = src.read_text().splitlines()
    src.write_text("\n".join(lines) + "\n" + lines[-1][:100])  # and a torn tail
    report = tmp_path / "report.md"
    result = run("bundle", src, "-o", report)
    assert result.code == 0, result.err
    text = report.read_text()
    for secret in [*SECRETS.values(), URL_PASSWORD, BEARER, "/Users/jane"]:
        assert secret not in text, secret
    assert "| TD002 torn-last-line | error |" in text
    assert "## What `transcript-doctor fix` would do" in text and "TD002 removed line" in text
    assert "Claude Code versions in the file: 2.0.30" in text
