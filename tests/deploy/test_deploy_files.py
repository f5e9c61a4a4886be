"""The deployment files are valid for what reads them: Kubernetes, Compose, nginx (issue 14, points 3 and 4)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from app.api.messages import MESSAGES
from app.api.photos import UPLOAD_LIMIT
from app.config.settings import ENVIRONMENT
from tests.deploy.support import DEPLOY, NGINX_SHARED, load_cluster_module, nginx_binary

# The manifests are written for Kubernetes 1.25 and later: autoscaling/v2, policy/v1 and the Pod Security
# admission labels (GA in 1.25) are the newest APIs they use. Checked against that version and the newest
# kubernetes-validate knows, which catches an API removed since.
KUBERNETES_VERSIONS = ("1.25.0", "1.37.0")
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))
COMPOSE_FILE = DEPLOY / "compose.yaml"
# The Compose Specification's schema as Docker Compose v2.40.3 embeds it (tests/deploy/README.md).
COMPOSE_SCHEMA = Path(__file__).with_name("compose-spec.json")
# Read-replica settings being added to app.config.settings together with the read pool.
READ_REPLICA_SETTINGS = {"DATABASE_READ_URL", "DATABASE_READ_MAX_LAG_SECONDS"}
KNOWN_SETTINGS = set(ENVIRONMENT) | READ_REPLICA_SETTINGS


def _documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return loaded


# --- Kubernetes ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda path: path.name)
def test_every_kubernetes_manifest_is_valid_for_the_versions_it_targets(manifest: Path, version: str) -> None:
    documents = _documents(manifest)
    assert documents, f"{manifest.name} holds no resource"
    for document in documents:
        # strict: an unknown field (a typo) fails too, as `kubectl apply --validate=strict` would.
        kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize(
    "breakage",
    ["misspelled field", "wrong type", "missing required field"],
)
def test_a_broken_manifest_fails_validation(breakage: str) -> None:
    deployment = _documents(DEPLOY / "k8s" / "api-deployment.yaml")[0]
    broken = copy.deepcopy(deployment)
    container = broken["spec"]["template"]["spec"]["containers"][0]
    if breakage == "misspelled field":
        container["readinesProbe"] = container.pop("readinessProbe")
    elif breakage == "wrong type":
        broken["spec"]["replicas"] = "three"
    else:
        del container["name"]
    kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_kubernetes_settings_carry_the_read_replica_sentinels_and_trusted_proxies() -> None:
    config = _documents(DEPLOY / "k8s" / "configmap.yaml")[0]["data"]
    secret = _documents(DEPLOY / "k8s" / "secret.example.yaml")[0]["stringData"]
    assert {"REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "DATABASE_READ_MAX_LAG_SECONDS", "TRUSTED_PROXIES"} <= set(
        config
    )
    assert "REDIS_URL" not in config  # the Sentinels would take precedence: one way to find Redis, not two
    assert {"DATABASE_URL", "DATABASE_READ_URL", "JWT_SECRET"} <= set(secret)
    assert len(config["REDIS_SENTINELS"].split(",")) == 3
    unknown = (set(config) | set(secret)) - KNOWN_SETTINGS
    assert not unknown, f"not settings the application reads: {sorted(unknown)}"


# --- Compose ---------------------------------------------------------------------------------------------


def _docker_compose() -> list[str] | None:
    """`docker compose` when the plugin is installed (no daemon is needed for `config`), else None."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    found = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
    return [docker, "compose"] if found.returncode == 0 else None


def _schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def test_compose_file_is_valid() -> None:
    docker_compose = _docker_compose()
    if docker_compose is not None:
        checked = subprocess.run(
            [*docker_compose, "-f", str(COMPOSE_FILE), "config", "-q"],
            capture_output=True,
            text=True,
            env={"JWT_SECRET": "test-secret", "PATH": "/usr/local/bin:/usr/bin:/bin"},
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
    # Always against the Compose Specification's schema too (what `docker compose config` checks first).
    assert _schema_errors(_compose()) == []


@pytest.mark.parametrize("breakage", ["misspelled service key", "unknown depends_on condition", "wrong type"])
def test_the_compose_schema_check_fails_on_a_broken_file(breakage: str) -> None:
    broken = _compose()
    if breakage == "misspelled service key":
        broken["services"]["nginx"]["prots"] = broken["services"]["nginx"].pop("ports")
    elif breakage == "unknown depends_on condition":
        broken["services"]["migrate"]["depends_on"]["postgres"]["condition"] = "service_ready"
    else:
        broken["services"]["worker"]["deploy"]["replicas"] = ["two"]
    assert _schema_errors(broken) != []


def test_compose_runs_the_distributed_topology_behind_one_published_port() -> None:
    services = _compose()["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]
    assert {"api1", "api2", "api3", "worker", "migrate", "postgres", "postgres-replica"} <= set(services)
    assert {"redis-master", "redis-replica", "sentinel1", "sentinel2", "sentinel3"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "--replicaof" in services["redis-replica"]["command"]
    assert "pg_basebackup" in (DEPLOY / "postgres" / "replica-entrypoint.sh").read_text()

    upstreams = (NGINX_SHARED / "compose" / "mutiroes-upstreams.conf").read_text()
    assert re.findall(r"^server (api\d):8000", upstreams, re.MULTILINE) == ["api1", "api2", "api3"]

    for name in ("api1", "api2", "api3", "worker", "migrate"):
        env = services[name]["environment"]
        assert set(env) <= KNOWN_SETTINGS, f"{name}: {sorted(set(env) - KNOWN_SETTINGS)}"
        assert "postgres-replica:5432" in env["DATABASE_READ_URL"]
        sentinels = [address.split(":")[0] for address in env["REDIS_SENTINELS"].split(",")]
        assert sentinels == ["sentinel1", "sentinel2", "sentinel3"]
        assert "REDIS_URL" not in env
    backend = _compose()["networks"]["backend"]["ipam"]["config"][0]["subnet"]
    assert services["api1"]["environment"]["TRUSTED_PROXIES"] == backend
    assert "backend" in services["nginx"]["networks"]
    # The media volume: written by the API and the workers, served read-only by nginx.
    assert "media:/srv/mutiroes/media:ro" in services["nginx"]["volumes"]
    assert "media:/app/.data/media" in services["api1"]["volumes"]
    assert "media:/app/.data/media" in services["worker"]["volumes"]


def test_compose_mounts_every_file_its_nginx_includes() -> None:
    mounted = {
        Path(volume.split(":")[1]).name
        for volume in _compose()["services"]["nginx"]["volumes"]
        if volume.startswith("./")
    }
    main = (NGINX_SHARED / "compose" / "nginx.conf").read_text()
    shared = (NGINX_SHARED / "mutiroes.conf").read_text()
    included = set(re.findall(r"^\s*include ([\w.-]+);", main + shared, re.MULTILINE))
    assert included <= mounted
    assert "nginx.conf" in mounted


# --- nginx -----------------------------------------------------------------------------------------------


def test_the_gateway_accepts_exactly_the_largest_body_the_api_accepts() -> None:
    found = re.search(r"client_max_body_size (\d+)k;", (NGINX_SHARED / "mutiroes.conf").read_text())
    assert found is not None
    assert int(found.group(1)) * 1024 == UPLOAD_LIMIT


def test_the_gateway_retries_only_what_nginx_may_repeat_and_keeps_status_internal() -> None:
    conf = (NGINX_SHARED / "mutiroes.conf").read_text()
    directives = "\n".join(line.split("#")[0] for line in conf.splitlines())
    assert "least_conn;" in directives
    assert re.search(r"^\s*keepalive \d+;", directives, re.MULTILINE)
    assert "proxy_next_upstream error timeout http_502 http_504;" in directives
    assert "non_idempotent" not in directives  # POST and PATCH are never sent twice
    assert re.search(r"proxy_next_upstream_tries [1-3];", directives)
    assert re.search(r"proxy_next_upstream_timeout \d+s;", directives)
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID", "Host"):
        assert re.search(rf"proxy_set_header {header} ", directives), header
    status = re.search(r"location = /nginx_status \{(.*?)\}", directives, re.DOTALL)
    assert status is not None and "include mutiroes-internal.conf;" in status.group(1)
    internal = (NGINX_SHARED / "mutiroes-internal.conf").read_text()
    assert internal.strip().endswith("deny all;")
    for upstreams in (NGINX_SHARED / "compose" / "mutiroes-upstreams.conf").read_text().splitlines():
        if upstreams.startswith("server "):
            assert "max_fails=" in upstreams and "fail_timeout=" in upstreams


def test_the_gateway_own_errors_speak_like_the_api() -> None:
    conf = (NGINX_SHARED / "mutiroes.conf").read_text()
    for variable, code in (
        ("unavailable", "service_unavailable"),
        ("too_large", "body_too_large"),
        ("too_many", "too_many_requests"),
    ):
        block = re.search(rf"map \$mutiroes_english \$mutiroes_{variable}_message \{{(.*?)\}}", conf, re.DOTALL)
        assert block is not None, variable
        sentences = tuple(re.findall(r'^\s*[01] "(.*)";$', block.group(1), re.MULTILINE))
        assert sentences == MESSAGES[code], code
        assert f'"code":"{code}"' in conf


def _nginx_test(main: Path) -> subprocess.CompletedProcess[str]:
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    return subprocess.run(
        [nginx, "-t", "-q", "-p", f"{main.parent}/", "-c", str(main)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_nginx_accepts_the_compose_rendering(tmp_path: Path) -> None:
    for shared in ("mutiroes.conf", "mutiroes-internal.conf"):
        shutil.copy(NGINX_SHARED / shared, tmp_path)
    for own in (NGINX_SHARED / "compose").iterdir():
        shutil.copy(own, tmp_path)
    # Outside Docker the replicas' names do not resolve, and `resolve` needs nginx 1.27.3 (the image's
    # 1.28 has it, Debian 12's 1.22 does not): check the rest with loopback addresses in their place.
    upstreams = tmp_path / "mutiroes-upstreams.conf"
    upstreams.write_text(
        re.sub(r"server api(\d):8000 (.*?) resolve;", r"server 127.0.0.1:1800\1 \2;", upstreams.read_text())
    )
    assert "api1" not in upstreams.read_text()
    main = tmp_path / "nginx.conf"
    if not Path("/etc/nginx/mime.types").exists():
        main.write_text(main.read_text().replace("include /etc/nginx/mime.types;", ""))
    checked = _nginx_test(main)
    assert checked.returncode == 0, checked.stderr


def test_nginx_accepts_the_local_rendering(tmp_path: Path) -> None:
    cluster = load_cluster_module()
    main = cluster.render_nginx(tmp_path, 18500, [18501, 18502, 18503], tmp_path / "data")
    upstreams = (tmp_path / "nginx" / "mutiroes-upstreams.conf").read_text()
    assert upstreams.count("max_fails=3 fail_timeout=10s") == 3
    checked = _nginx_test(main)
    assert checked.returncode == 0, checked.stderr


def test_nginx_refuses_a_broken_rendering(tmp_path: Path) -> None:
    cluster = load_cluster_module()
    main = cluster.render_nginx(tmp_path, 18500, [18501], tmp_path / "data")
    (tmp_path / "nginx" / "mutiroes-upstreams.conf").write_text("server 127.0.0.1:18501 max_fails=three;\n")
    assert _nginx_test(main).returncode != 0
