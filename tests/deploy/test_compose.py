"""docker-compose.yml read statically (Docker does not run in CI): services,
health checks, dependencies, volumes, and every variable listed in .env.example.
"""

from __future__ import annotations

import re

import pytest
import yaml

AIRFLOW_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")
CELERY_SERVICES = ("redis", "worker")
# ${NAME}, ${NAME:-default}, ${NAME:?error}; $$ escapes a dollar for the shell.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|_KEY$")
PLACEHOLDERS = ("", "REPLACE")


@pytest.fixture(scope="module")
def compose_text(repo) -> str:
    return (repo / "docker-compose.yml").read_text()


@pytest.fixture(scope="module")
def compose(compose_text) -> dict:
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def env_example(repo) -> dict[str, str]:
    """Every variable of .env.example, commented-out examples included."""
    found = {}
    for line in (repo / ".env.example").read_text().splitlines():
        match = re.match(r"#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_the_production_services_exist(compose):
    services = compose["services"]
    for name in (*AIRFLOW_SERVICES, "postgres", "airflow-init", *CELERY_SERVICES):
        assert name in services, name
    for name in CELERY_SERVICES:
        assert services[name].get("profiles") == ["celery"], name
    for name in AIRFLOW_SERVICES:
        assert "profiles" not in services[name], f"{name} must run by default"
    assert "standalone" not in str(compose), "no `airflow standalone` in production"


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck", {})
        if name == "airflow-init":
            assert service.get("restart") == "no"
            continue
        assert check.get("test"), f"{name} has no healthcheck"
        assert not check.get("disable"), name


def test_depends_on_names_services_that_exist(compose):
    services = compose["services"]
    conditions = {
        "service_started",
        "service_healthy",
        "service_completed_successfully",
    }
    for name, service in services.items():
        depends = service.get("depends_on", {})
        items = depends.items() if isinstance(depends, dict) else []
        for target, rule in items:
            assert target in services, f"{name} depends on unknown {target}"
            assert rule.get("condition") in conditions, (name, target)
            if rule.get("condition") == "service_healthy":
                assert services[target].get("healthcheck", {}).get("test"), target
        if name in AIRFLOW_SERVICES:
            assert depends["postgres"]["condition"] == "service_healthy"
            assert depends["airflow-init"]["condition"] == (
                "service_completed_successfully"
            )
    assert services["worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_named_volumes_are_declared_and_data_lives_on_them(compose):
    declared = set(compose.get("volumes", {}))
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} uses undeclared volume {source}"
    mounts = {v.split(":")[1]: v.split(":")[0] for v in _airflow_volumes(compose)}
    assert mounts["/data/warehouse"] == "warehouse"
    assert mounts["/data/snapshots"] == "snapshots"
    assert mounts["/opt/vendor-recon/config"] == "./config"


def test_the_image_bakes_the_project_and_its_manifest(compose):
    dockerfile = compose["services"]["scheduler"]["build"]["dockerfile_inline"]
    assert "requirements-celery.txt" in dockerfile  # which includes requirements.txt
    for folder in ("plugins", "dags", "dbt_project", "expectations"):
        assert f"COPY {folder} ./{folder}" in dockerfile, folder
    assert "vendor-recon manifest" in dockerfile  # dbt parse
    assert "USER airflow" in dockerfile


def test_every_variable_the_compose_file_reads_is_in_env_example(
    compose_text, env_example
):
    referenced = {match.group(1) for match in VARIABLE.finditer(compose_text)}
    assert referenced, "the compose file reads no variables"
    missing = sorted(referenced - set(env_example))
    assert missing == []


def test_secrets_come_from_env_never_inline(compose, compose_text, env_example):
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert VARIABLE.search(str(value)), f"{name}: {key} is inline"
    for key, value in _all_environment(compose).items():
        if "://" in str(value) and "@" in str(value):  # credentials in a URL
            assert "${POSTGRES_PASSWORD" in str(value), key
    for key, value in env_example.items():
        if SECRET_NAME.search(key) and not key.startswith("AIRFLOW_CONN_"):
            assert value in PLACEHOLDERS, f".env.example holds a value for {key}"
    # Required secrets make `docker compose up` fail until .env sets them.
    for required in ("POSTGRES_PASSWORD", "AIRFLOW__API_AUTH__JWT_SECRET"):
        assert f"${{{required}:?" in compose_text, required


def test_no_default_admin_password(compose, env_example):
    environment = _all_environment(compose)
    assert "_AIRFLOW_WWW_USER_PASSWORD" not in environment
    assert environment["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"].startswith(
        "/opt/airflow/"
    )  # generated on the airflow-home volume at the first start
    assert "SIMPLE_AUTH_MANAGER_ALL_ADMINS" not in str(compose)
    assert ":" in env_example["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"]


def test_ports_are_published_on_loopback_only(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"


def test_telemetry_is_off(compose):
    environment = _all_environment(compose)
    assert environment["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] == "False"
    assert environment["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"
    assert environment["SCARF_NO_ANALYTICS"] == "true"
    assert environment["DO_NOT_TRACK"] == "1"


def test_env_is_git_ignored(repo):
    ignored = (repo / ".gitignore").read_text().splitlines()
    assert ".env" in ignored


def test_every_vendor_recon_variable_the_code_reads_is_in_env_example(
    repo, env_example
):
    read = set()
    for path in [*(repo / "plugins").rglob("*.py"), repo / "dbt_project/profiles.yml"]:
        read |= set(re.findall(r"VENDOR_RECON_[A-Z0-9_]*[A-Z0-9]", path.read_text()))
    read -= {"VENDOR_RECON_PG"}  # the prefix, as docstrings name the family
    missing = sorted(name for name in read if name not in env_example)
    assert missing == []


def _airflow_volumes(compose) -> list[str]:
    return compose["services"]["scheduler"]["volumes"]


def _all_environment(compose) -> dict[str, str]:
    merged: dict[str, str] = {}
    for service in compose["services"].values():
        merged.update(service.get("environment", {}) or {})
    return merged
