"""docker-compose.yml describes the deployment: PostgreSQL, Redis, web, worker and beat."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_has_every_service():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "0"


def test_the_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text().splitlines()[:10]
    text = "\n".join(head)
    assert "make run" in text and "make test" in text


# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}; $$ is a literal $.
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<value>[^}]*)\}")
BARE = re.compile(r"(?<!\$)\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)")


def resolve(text: str) -> str:
    """Interpolate as `docker compose config` does with no variable set: each default, or an error."""

    def one(match: re.Match) -> str:
        if match["op"] not in (":-", "-"):
            raise AssertionError(f"${{{match['name']}}} has no default: `docker compose config` fails without it")
        return match["value"]

    return INTERPOLATION.sub(one, text)


def test_every_variable_has_a_default():
    text = (ROOT / "docker-compose.yml").read_text()
    found = list(INTERPOLATION.finditer(text))
    assert found, "the file is expected to take its secrets and hosts from the environment"
    missing = [m[0] for m in found if m["op"] not in (":-", "-")]
    assert missing == []
    assert [m[0] for m in BARE.finditer(text)] == []
    yaml.safe_load(resolve(text))


def compose_environment() -> dict[str, str]:
    compose = yaml.safe_load(resolve((ROOT / "docker-compose.yml").read_text()))
    env = compose["services"]["web"]["environment"]
    return {key: str(value) for key, value in env.items()}


def test_the_web_service_serves_plain_http_by_default():
    env = compose_environment()
    assert env["DEBUG"] == "0"
    assert env["SECURE_SSL_REDIRECT"] == "0"
    assert env["SECURE_COOKIES"] == "0"
    assert env["SECURE_HSTS_SECONDS"] == "0"
    # The settings the web service would run with: no redirect to HTTPS, cookies over HTTP.
    probe = (
        "from django.conf import settings as s; import json; print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.ALLOWED_HOSTS]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django, os; django.setup(); {probe}"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", ""),
            "DJANGO_SETTINGS_MODULE": "crm.settings",
            **{k: v for k, v in env.items() if k != "MEDIA_ROOT"},
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    debug, redirect, session_secure, csrf_secure, hsts, hosts = json.loads(result.stdout.strip().splitlines()[-1])
    assert (debug, redirect, session_secure, csrf_secure, hsts) == (False, False, False, False, 0)
    assert "localhost" in hosts


def test_the_default_secret_key_is_flagged_as_insecure():
    assert compose_environment()["SECRET_KEY"].startswith("django-insecure-")
