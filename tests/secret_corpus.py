"""Fake credentials in the formats real providers issue, in the surroundings a session shows them.

Every value is made here at run time from a seeded random generator, from pieces (the prefixes are
split), so that no real secret is in the repository and no scanner of pushed code mistakes these
for one. `CREDENTIALS` gives (kind, secret, snippet): the snippet is text as a tool would print it
(`cat .env`, a `curl -H` command, a JSON config, a stack trace, `git remote -v`, a PEM file...).
"""

from __future__ import annotations

import base64
import json
import random
import string

ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
UPPER_DIGITS = string.ascii_uppercase + "234567"


def _p(*pieces: str) -> str:
    """Join pieces: prefixes are written split so that the source never holds a whole token."""
    return "".join(pieces)


def credentials(seed: int = 14) -> list[tuple[str, str, str]]:
    rnd = random.Random(seed)

    def r(n: int, alphabet: str = ALNUM) -> str:
        return "".join(rnd.choice(alphabet) for _ in range(n))

    def b64(nbytes: int) -> str:
        return base64.b64encode(bytes(rnd.randrange(256) for _ in range(nbytes))).decode()

    def pem(label: str, lines: int = 6) -> str:
        body = "\n".join(r(64, ALNUM + "+/") for _ in range(lines))
        return f"-----BEGIN {label}-----\n{body}\n{r(20, ALNUM)}==\n-----END {label}-----"

    out: list[tuple[str, str, str]] = []

    def add(kind: str, secret: str, snippet: str) -> None:
        assert secret in snippet, kind
        out.append((kind, secret, snippet))

    v = _p("sk-", "ant-", "api03-") + r(93, ALNUM + "-_") + "AA"
    add("anthropic-api-key", v, f"$ cat .env\nANTHROPIC_API_KEY={v}\nLOG_LEVEL=debug\n")
    v = _p("sk-", "ant-", "admin01-") + r(93, ALNUM + "-_") + "AA"
    add("anthropic-admin-key", v, f"curl https://api.anthropic.com/v1/organizations/users -H 'x-api-key: {v}' -H 'anthropic-version: 2023-06-01'")
    v = _p("sk-", "proj-") + r(58, ALNUM + "-_") + _p("T3Blbk", "FJ") + r(58, ALNUM + "-_")
    add("openai-api-key", v, f'{{\n  "openai": {{\n    "apiKey": "{v}",\n    "model": "gpt-4o"\n  }}\n}}')
    v = _p("AK", "IA") + r(16, UPPER_DIGITS)
    add("aws-access-key-id", v, f"[default]\naws_access_key_id = {v}\nregion = eu-west-1\n")
    v = r(40, ALNUM + "/+")
    add("aws-secret-access-key", v, f"[default]\naws_secret_access_key = {v}\n")
    v = _p("AS", "IA") + r(16, UPPER_DIGITS)
    add("aws-session-key-id", v, f"export AWS_ACCESS_KEY_ID={v}\nexport AWS_SESSION_TOKEN={r(300, ALNUM + '/+')}==")
    v = b64(64)
    add("azure-storage-account-key", v, f"DefaultEndpointsProtocol=https;AccountName=prodfiles;AccountKey={v};EndpointSuffix=core.windows.net")
    v = r(3, ALNUM) + "8Q~" + r(34, ALNUM + "_-.~")
    add("azure-ad-client-secret", v, f"AZURE_TENANT_ID={r(8, HEX)}-{r(4, HEX)}-{r(4, HEX)}-{r(4, HEX)}-{r(12, HEX)}\nAZURE_CLIENT_SECRET={v}\n")
    key_id = r(40, HEX)
    key_pem = pem("PRIVATE KEY", 10)
    account = json.dumps({"type": "service_account", "project_id": "acme-prod-4821", "private_key_id": key_id,
                          "private_key": key_pem + "\n", "client_email": "deployer@acme-prod-4821.iam.gserviceaccount.com",
                          "client_id": r(21, "0123456789"), "token_uri": "https://oauth2.googleapis.com/token"}, indent=2)
    add("gcp-service-account-private-key-id", key_id, account)
    add("gcp-service-account-private-key", key_pem.splitlines()[3], account)
    v = _p("AI", "za") + r(35, ALNUM + "-_")
    add("google-api-key", v, f'const firebaseConfig = {{ apiKey: "{v}", authDomain: "acme.firebaseapp.com" }};')
    v = _p("gh", "p_") + r(36)
    add("github-pat", v, f"$ git remote -v\norigin\thttps://{v}@github.com/acme/api.git (fetch)\norigin\thttps://{v}@github.com/acme/api.git (push)")
    v = _p("github", "_pat_") + r(22) + "_" + r(59)
    add("github-fine-grained-pat", v, f"$ gh auth status\n  - Token: {v}\n")
    v = _p("gh", "s_") + r(36)
    add("github-app-token", v, f"git clone https://x-access-token:{v}@github.com/acme/infra.git")
    v = _p("gh", "o_") + r(36)
    add("github-oauth", v, f"GITHUB_OAUTH={v}")
    v = _p("gl", "pat-") + r(20, ALNUM + "-_")
    add("gitlab-pat", v, f"$ git remote -v\norigin  https://oauth2:{v}@gitlab.com/acme/web.git (fetch)")
    v = _p("np", "m_") + r(36)
    add("npm-token", v, f"$ cat ~/.npmrc\n//registry.npmjs.org/:_authToken={v}\n")
    v = _p("py", "pi-", "AgEIcHlwaS5vcmc") + r(120, ALNUM + "-_")
    add("pypi-token", v, f"$ cat ~/.pypirc\n[pypi]\n  username = __token__\n  password = {v}\n")
    v = _p("dckr", "_pat_") + r(27, ALNUM + "-_")
    add("dockerhub-pat", v, f"echo {v} | docker login -u acmebot --password-stdin")
    v = _p("h", "f_") + r(34, string.ascii_letters)
    add("huggingface-token", v, f"HF_TOKEN={v} python train.py")
    v = _p("xo", "xb-") + r(12, "0123456789") + "-" + r(13, "0123456789") + "-" + r(24)
    add("slack-bot-token", v, f"slack_sdk.errors.SlackApiError: The request to the Slack API failed.\n  token={v}")
    v = _p("xo", "xp-") + r(12, "0123456789") + "-" + r(12, "0123456789") + "-" + r(13, "0123456789") + "-" + r(32, HEX)
    add("slack-user-token", v, f"SLACK_USER_TOKEN: {v}")
    v = "T" + r(10, string.ascii_uppercase + string.digits) + "/B" + r(10, string.ascii_uppercase + string.digits) + "/" + r(24)
    url = _p("https://hooks.", "slack.com/services/") + v
    add("slack-webhook-url", v, f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deployed\"}}' {url}")
    v = rnd.choice("MN") + r(25) + "." + r(6, ALNUM + "-_") + "." + r(38, ALNUM + "-_")
    add("discord-bot-token", v, f"client.run('{v}')  # discord bot")
    v = r(18, "0123456789") + "/" + r(68, ALNUM + "-_")
    add("discord-webhook-url", v, f"DISCORD_WEBHOOK=" + _p("https://discord.com/api/", "webhooks/") + v)
    v = r(10, "0123456789") + ":AA" + r(33, ALNUM + "-_")
    add("telegram-bot-token", v, f"requests.post('https://api.telegram.org/bot{v}/sendMessage', data=msg)")
    v = _p("S", "K") + r(32, HEX)
    add("twilio-api-key", v, f"TWILIO_API_KEY={v}\nTWILIO_API_SECRET={r(32)}\n")
    v = r(32, HEX)
    add("twilio-auth-token", v, f"client = Client('AC{r(32, HEX)}', '{v}')\n# twilio auth token above")
    v = _p("S", "G.") + r(22, ALNUM + "-_") + "." + r(43, ALNUM + "-_")
    add("sendgrid-api-key", v, f"$ cat config/mail.yml\nsendgrid:\n  api_key: {v}\n")
    v = _p("ke", "y-") + r(32, HEX)
    add("mailgun-api-key", v, f"curl -s --user 'api:{v}' https://api.mailgun.net/v3/mg.acme.io/messages")
    v = _p("sk", "_live_") + r(99)
    add("stripe-secret-key", v, f"Stripe::AuthenticationError: Invalid API Key provided: {v}")
    v = _p("rk", "_live_") + r(99)
    add("stripe-restricted-key", v, f"STRIPE_RESTRICTED_KEY={v}")
    v = _p("wh", "sec_") + r(32)
    add("stripe-webhook-secret", v, f"stripe:\n  webhook_secret: \"{v}\"\n")
    v = _p("shp", "at_") + r(32, HEX)
    add("shopify-access-token", v, f"curl -H 'X-Shopify-Access-Token: {v}' https://acme.myshopify.com/admin/api/2024-01/products.json")
    v = _p("shp", "ss_") + r(32, HEX)
    add("shopify-shared-secret", v, f"SHOPIFY_SHARED_SECRET={v}")
    v = _p("do", "p_v1_") + r(64, HEX)
    add("digitalocean-pat", v, f"$ doctl auth init --access-token {v}")
    v = _p("HRK", "U-AA") + r(58, ALNUM + "_-")
    add("heroku-api-key", v, f"$ cat ~/.netrc\nmachine api.heroku.com\n  login ops@acme.io\n  password {v}\n")
    v = f"{r(8, HEX)}-{r(4, HEX)}-{r(4, HEX)}-{r(4, HEX)}-{r(12, HEX)}"
    add("heroku-api-key-uuid", v, f"HEROKU_API_KEY={v}")
    v = r(32, HEX)
    add("datadog-api-key", v, f"docker run -e DD_API_KEY={v} -e DD_SITE=datadoghq.eu datadog/agent")
    v = r(40, HEX)
    add("datadog-app-key", v, f'{{"datadog": {{"app_key": "{v}"}}}}')
    v = r(32, HEX)
    add("sentry-dsn", v, f"sentry_sdk.init(dsn=\"https://{v}@o{r(6, '0123456789')}.ingest.sentry.io/{r(7, '0123456789')}\")")
    v = _p("sntr", "yu_") + r(64, HEX)
    add("sentry-user-token", v, f"SENTRY_AUTH_TOKEN={v} sentry-cli releases new 1.4.2")
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps({"sub": r(10), "exp": 1893456000}).encode()).decode().rstrip("=")
    v = f"{head}.{body}.{r(43, ALNUM + '-_')}"
    add("jwt", v, f"HTTP/1.1 200 OK\nSet-Cookie: session={v}; HttpOnly; Secure\n")
    for label in ("RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "DSA PRIVATE KEY", "ENCRYPTED PRIVATE KEY",
                  "PGP PRIVATE KEY BLOCK"):
        block = pem(label)
        numbered = "\n".join(f"{i + 1:>6}\u2192{line}" for i, line in enumerate(block.splitlines()))
        add("private-key-" + label.split()[0].lower(), block.splitlines()[2], numbered)
    pw = r(18, ALNUM + "!#%^*")
    add("postgres-url-password", pw, "Traceback (most recent call last):\n  File \"app/db.py\", line 12, in connect\n"
        f"sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not connect to server\n"
        f"(Background: engine url postgresql://app_user:{pw}@db.internal:5432/orders)")
    pw = r(16)
    add("mysql-url-password", pw, f"DATABASE_URL=mysql://root:{pw}@127.0.0.1:3306/shop")
    pw = r(20)
    add("mongodb-url-password", pw, f"pymongo.errors.ServerSelectionTimeoutError: mongodb+srv://admin:{pw}@cluster0.ab1cd.mongodb.net/?retryWrites=true")
    pw = r(24)
    add("redis-url-password", pw, f"redis.exceptions.ConnectionError: Error connecting to redis://:{pw}@cache:6379/0")
    pw = r(14)
    add("amqp-url-password", pw, f"kombu.exceptions.OperationalError: amqp://guest:{pw}@rabbitmq:5672//")
    token = r(40, ALNUM + "-._~")
    add("bearer-token", token, f"curl -sS https://api.internal.acme.io/v2/jobs -H \"Authorization: Bearer {token}\"")
    basic = base64.b64encode(f"deploy:{r(16)}".encode()).decode()
    add("basic-auth", basic, f"> GET /api HTTP/1.1\n> Authorization: Basic {basic}\n")
    pw = r(12, ALNUM + "!@#")
    add("dotenv-password", pw, f"$ cat .env\nDB_HOST=localhost\nDB_PASSWORD={pw}\nDEBUG=true\n")
    pw = r(1) + r(17, ALNUM + "!@#%^&*(),;:<>[]{}")
    add("dotenv-password-punctuation", pw, f"$ cat deploy/.env.production\nexport SMTP_PASSWORD={pw}\nSMTP_PORT=587\n")
    v = r(40, HEX)
    add("authorization-token-scheme", v, f"http GET https://api.acme.io/v1/me 'Authorization: Token {v}'")
    pw = r(6) + "'" + r(6)
    add("quoted-password-with-apostrophe", pw, f'DATABASES = {{"default": {{"PASSWORD": "{pw}", "HOST": "db"}}}}')
    pw = r(15)
    add("yaml-password", pw, f"database:\n  host: db\n  user: app\n  password: \"{pw}\"\n")
    pw = r(11)
    add("ini-secret", pw, f"[auth]\nclient_secret = {pw}\nclient_id = acme-web\n")
    pw = r(13)
    add("json-credentials", pw, f'{{"smtp": {{"user": "mailer", "passwd": "{pw}"}}}}')
    pw = r(12)
    add("cli-password-flag", pw, f"mysql -h db -u root --password={pw} shop < dump.sql")
    pw = r(20)
    add("docker-login-password", pw, f"$ docker login -u ci-bot -p {pw} registry.acme.io\nWARNING! Using --password via the CLI is insecure.")
    pw = r(12)
    add("mysql-attached-password", pw, f"mysqldump -uroot -p{pw} shop > shop.sql")
    v = r(40, ALNUM + "/+")
    add("aws-configure-set", v, f"aws configure set aws_secret_access_key {v} --profile prod")
    v = r(32)
    add("gh-secret-set", v, f"gh secret set DEPLOY_TOKEN --body {v} --repo acme/api")
    v = r(48, ALNUM)
    add("high-entropy-header", v, f"curl -H 'X-Acme-Signature-Key: {v}' https://hooks.acme.io/")
    v = r(40, ALNUM + "+/")
    add("high-entropy-assignment", v, f"export ACME_SIGNING_MATERIAL={v}")
    v = _p("lin", "_api_") + r(40)
    add("linear-api-key", v, f"LINEAR_API_KEY={v}")
    return out
