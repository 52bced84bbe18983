"""The helm chart: lint, render, validate against Kubernetes schemas, and assert what it deploys.

helm comes from `make tools` (.tools/bin/helm, pinned and checksummed in the Makefile). Without
it these tests skip on a developer machine and fail in CI (CI=true).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.gunicorn import REPO_ROOT, VENV_BIN

from service.config import Settings
from service.gunicorn_conf import MAX_DRAIN_SECONDS, drain_seconds

from .support import CHART_DIR, dockerfile_instructions, image_env

HELM = REPO_ROOT / ".tools" / "bin" / "helm"
# Kubernetes version the manifests are rendered for and validated against (kubernetes-validate
# bundles the schemas, so this runs offline). The chart itself declares kubeVersion >=1.27.
KUBERNETES_VERSION = "1.33.0"
RELEASE = "review-analyzer"
NAMESPACE = "review-analyzer"
ALL_VALUES = CHART_DIR / "ci" / "all-values.yaml"
# Kinds from CRDs, which kubernetes-validate has no schema for; asserted structurally below.
CRD_KINDS = {"ServiceMonitor"}
OPTIONAL_KINDS = {"Ingress", "ServiceMonitor", "NetworkPolicy"}
ALWAYS_KINDS = {
    "Deployment",
    "Service",
    "ServiceAccount",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "Pod",
}

Manifest = dict[str, Any]
Render = Callable[..., list[Manifest]]
Helm = Callable[..., subprocess.CompletedProcess[str]]
HELM_HOMES = ("CACHE", "CONFIG", "DATA")


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """Return a runner for the pinned helm; skip without it, except in CI where it must be there."""
    if not HELM.exists():
        message = f"{HELM.relative_to(REPO_ROOT)} is missing: run `make tools`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("helm-home")
    # helm's cache, config and data directories, kept out of the user's home.
    env = {**os.environ, **{f"HELM_{d}_HOME": str(home / d.lower()) for d in HELM_HOMES}}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(HELM), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    return run


@pytest.fixture(scope="module")
def render(helm: Helm) -> Render:
    """Return a function rendering the chart (helm template) into a list of manifests."""

    def run(*args: str) -> list[Manifest]:
        result = helm(
            "template",
            RELEASE,
            str(CHART_DIR),
            "--namespace",
            NAMESPACE,
            "--kube-version",
            KUBERNETES_VERSION,
            *args,
        )
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]

    return run


@pytest.fixture(scope="module")
def default_manifests(render: Render) -> list[Manifest]:
    """The chart rendered with its default values."""
    return render()


@pytest.fixture(scope="module")
def all_manifests(render: Render) -> list[Manifest]:
    """The chart rendered with ci/all-values.yaml (every optional feature on)."""
    return render("--values", str(ALL_VALUES))


@pytest.fixture(params=["default", "all-values"])
def manifests(
    request: pytest.FixtureRequest,
    default_manifests: list[Manifest],
    all_manifests: list[Manifest],
) -> list[Manifest]:
    """Each rendering in turn."""
    return default_manifests if request.param == "default" else all_manifests


def one(manifests: list[Manifest], kind: str) -> Manifest:
    """Return the single manifest of `kind`."""
    found = [m for m in manifests if m["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def pod_spec(manifests: list[Manifest]) -> Manifest:
    """The Deployment's pod spec."""
    spec: Manifest = one(manifests, "Deployment")["spec"]["template"]["spec"]
    return spec


def container(manifests: list[Manifest]) -> Manifest:
    """The Deployment's one container."""
    containers = pod_spec(manifests)["containers"]
    assert len(containers) == 1
    found: Manifest = containers[0]
    return found


def env_of(manifests: list[Manifest]) -> dict[str, str]:
    """The container's literal environment variables."""
    return {e["name"]: e["value"] for e in container(manifests)["env"] if "value" in e}


def selector_labels(manifests: list[Manifest]) -> dict[str, str]:
    """The Deployment's selector labels."""
    labels: dict[str, str] = one(manifests, "Deployment")["spec"]["selector"]["matchLabels"]
    return labels


# --- lint, render, schema validation ----------------------------------------------------------


@pytest.mark.parametrize("values", [None, ALL_VALUES], ids=["default", "all-values"])
def test_helm_lint_strict(helm: Helm, values: Path | None) -> None:
    extra = ["--values", str(values)] if values else []
    result = helm("lint", "--strict", str(CHART_DIR), "--kube-version", KUBERNETES_VERSION, *extra)
    assert result.returncode == 0, result.stdout + result.stderr


def _kubernetes_validate(tmp_path: Path, manifests: list[Manifest]) -> tuple[int, list[str]]:
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(yaml.safe_dump_all(manifests), encoding="utf-8")
    result = subprocess.run(
        [
            str(VENV_BIN / "kubernetes-validate"),
            "--strict",
            "--kubernetes-version",
            KUBERNETES_VERSION,
            str(rendered),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.returncode, (result.stdout + result.stderr).splitlines()


def test_every_manifest_validates_against_the_kubernetes_schema(
    manifests: list[Manifest], tmp_path: Path
) -> None:
    returncode, lines = _kubernetes_validate(tmp_path, manifests)
    assert returncode == 0, lines
    assert not [line for line in lines if line.startswith(("ERROR", "FATAL"))]
    # A kind without a schema is only a warning for kubernetes-validate: allow just the CRDs,
    # so a typo in an apiVersion cannot slip through as "no schema".
    unvalidated = [line for line in lines if line.startswith("WARN")]
    assert all(any(f"kind {kind} " in line for kind in CRD_KINDS) for line in unvalidated), lines
    passed = [line for line in lines if line.startswith("INFO") and " passed " in line]
    assert len(passed) == len([m for m in manifests if m["kind"] not in CRD_KINDS])


def test_schema_validation_is_strict(default_manifests: list[Manifest], tmp_path: Path) -> None:
    deployment = json.loads(json.dumps(one(default_manifests, "Deployment")))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    returncode, lines = _kubernetes_validate(tmp_path, [deployment])
    assert returncode != 0
    assert any("readinesProbe" in line for line in lines if line.startswith("ERROR"))


def test_all_values_turns_every_optional_resource_on(
    default_manifests: list[Manifest], all_manifests: list[Manifest]
) -> None:
    assert {m["kind"] for m in default_manifests} == ALWAYS_KINDS
    assert {m["kind"] for m in all_manifests} == ALWAYS_KINDS | OPTIONAL_KINDS


def test_values_schema_rejects_bad_values(helm: Helm) -> None:
    for bad in ("config.workers=0", "config.logLevel=LOUD", "unknownKey=1", "containerPort=80"):
        result = helm("template", RELEASE, str(CHART_DIR), "--set", bad)
        assert result.returncode != 0, bad
        assert "schema" in result.stderr.lower() or "at '" in result.stderr, result.stderr


# --- the pod ----------------------------------------------------------------------------------


def test_probes(manifests: list[Manifest]) -> None:
    c = container(manifests)
    assert c["startupProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    # Sync workers answer probes between analyses: a probe must be allowed to wait.
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert c[probe]["timeoutSeconds"] >= 3
    liveness = c["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] >= 30


def test_port_matches_the_image(manifests: list[Manifest]) -> None:
    image = image_env(dockerfile_instructions())
    c = container(manifests)
    assert c["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert env_of(manifests)["PORT"] == image["PORT"] == "8080"
    assert env_of(manifests)["HOST"] == "0.0.0.0"


def test_restricted_security_context(manifests: list[Manifest]) -> None:
    spec = pod_spec(manifests)
    pod = spec["securityContext"]
    assert pod["runAsNonRoot"] is True
    assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = container(manifests)["securityContext"]
    assert sc["runAsNonRoot"] is True
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert sc.get("privileged", False) is False
    user = [i.argument for i in dockerfile_instructions() if i.keyword == "USER"][-1]
    assert pod["runAsUser"] == sc["runAsUser"] == int(user.split(":")[0])
    assert spec["automountServiceAccountToken"] is False


def test_only_tmp_and_the_metrics_dir_are_writable(manifests: list[Manifest]) -> None:
    metrics_dir = env_of(manifests)["PROMETHEUS_MULTIPROC_DIR"]
    assert metrics_dir == image_env(dockerfile_instructions())["PROMETHEUS_MULTIPROC_DIR"]
    mounts = {m["mountPath"]: m["name"] for m in container(manifests)["volumeMounts"]}
    assert set(mounts) == {"/tmp", metrics_dir}
    assert not any(m.get("readOnly") for m in container(manifests)["volumeMounts"])
    volumes = {v["name"]: v for v in pod_spec(manifests)["volumes"]}
    tmp = volumes[mounts["/tmp"]]["emptyDir"]
    assert tmp["sizeLimit"]
    metrics = volumes[mounts[metrics_dir]]["emptyDir"]
    assert metrics["medium"] == "Memory"
    assert metrics["sizeLimit"]


def test_prestop_sleep_and_grace_period_outlast_gunicorn(manifests: list[Manifest]) -> None:
    c = container(manifests)
    command = c["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep"
    sleep = int(command[1])
    assert sleep > 0
    settings = Settings.from_env(env_of(manifests))
    shutdown = sleep + drain_seconds(settings) + settings.graceful_timeout
    assert pod_spec(manifests)["terminationGracePeriodSeconds"] > shutdown


def test_an_explicit_grace_period_must_outlast_the_shutdown(helm: Helm) -> None:
    def grace_period_accepted(seconds: float) -> bool:
        result = helm(
            "template",
            RELEASE,
            str(CHART_DIR),
            "--set",
            "lifecycle.preStopSleepSeconds=5",
            "--set",
            "config.gracefulTimeout=100",  # long enough for gunicorn's longest drain
            "--set",
            f"terminationGracePeriodSeconds={int(seconds)}",
        )
        assert result.returncode == 0 or "terminationGracePeriodSeconds" in result.stderr
        return result.returncode == 0

    longest = 5 + MAX_DRAIN_SECONDS + 100
    assert not grace_period_accepted(longest)
    assert grace_period_accepted(longest + 1)


def test_config_values_become_settings(render: Render) -> None:
    manifests = render("--set", "config.workers=7", "--set", "config.gracefulTimeout=25")
    env = env_of(manifests)
    assert env["WORKERS"] == "7"
    settings = Settings.from_env(env)  # every value the chart sets must be valid config
    assert (settings.workers, settings.graceful_timeout) == (7, 25)
    assert settings.metrics_dir == env["PROMETHEUS_MULTIPROC_DIR"]


def test_ui_pages_are_off_unless_enabled(
    default_manifests: list[Manifest], all_manifests: list[Manifest], helm: Helm
) -> None:
    assert env_of(default_manifests)["UI_ENABLED"] == "false"
    assert Settings.from_env(env_of(default_manifests)).ui_enabled is False
    assert Settings.from_env(env_of(all_manifests)).ui_enabled is True
    result = helm("template", RELEASE, str(CHART_DIR), "--set-string", "ui.enabled=yes")
    assert result.returncode != 0  # the schema wants a boolean
    assert "ui" in result.stderr


def test_all_values_config_is_valid(all_manifests: list[Manifest]) -> None:
    settings = Settings.from_env(env_of(all_manifests))
    assert (settings.workers, settings.log_level, settings.max_batch_size) == (4, "DEBUG", 50)
    assert env_of(all_manifests)["EXTRA_SETTING"] == "on"


def test_topology_spread_over_zones_and_nodes(manifests: list[Manifest]) -> None:
    constraints = pod_spec(manifests)["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in constraints} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }
    for constraint in constraints:
        assert constraint["labelSelector"]["matchLabels"] == selector_labels(manifests)
        assert constraint["maxSkew"] >= 1


def test_resources_request_cpu_for_the_hpa(manifests: list[Manifest]) -> None:
    resources = container(manifests)["resources"]
    assert resources["requests"]["cpu"]
    assert resources["limits"]["memory"]


def test_rollout_never_drops_below_the_desired_count(manifests: list[Manifest]) -> None:
    strategy = one(manifests, "Deployment")["spec"]["strategy"]
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0


def test_image_reference(default_manifests: list[Manifest], all_manifests: list[Manifest]) -> None:
    chart = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text(encoding="utf-8"))
    assert container(default_manifests)["image"] == f"review-analyzer:{chart['appVersion']}"
    assert re.fullmatch(
        r"registry\.example\.com/review-analyzer@sha256:[0-9a-f]{64}",
        container(all_manifests)["image"],
    )


# --- scaling and disruption -------------------------------------------------------------------


def test_hpa_scales_the_deployment_on_cpu(manifests: list[Manifest]) -> None:
    hpa = one(manifests, "HorizontalPodAutoscaler")
    deployment = one(manifests, "Deployment")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    [metric] = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"]["type"] == "Utilization"
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    # The HPA owns the replica count: a `replicas` field would reset it on every upgrade.
    assert "replicas" not in deployment["spec"]


def test_without_autoscaling_the_deployment_sets_replicas(render: Render) -> None:
    manifests = render("--set", "autoscaling.enabled=false", "--set", "replicaCount=3")
    assert "HorizontalPodAutoscaler" not in {m["kind"] for m in manifests}
    assert one(manifests, "Deployment")["spec"]["replicas"] == 3


def test_pdb(default_manifests: list[Manifest], all_manifests: list[Manifest]) -> None:
    for manifests in (default_manifests, all_manifests):
        pdb = one(manifests, "PodDisruptionBudget")
        assert pdb["apiVersion"] == "policy/v1"
        assert pdb["spec"]["selector"]["matchLabels"] == selector_labels(manifests)
    assert one(default_manifests, "PodDisruptionBudget")["spec"]["maxUnavailable"] == 1
    pdb_all = one(all_manifests, "PodDisruptionBudget")["spec"]
    assert (pdb_all["minAvailable"], "maxUnavailable" in pdb_all) == (2, False)


# --- traffic --------------------------------------------------------------------------------


def test_service_routes_to_the_pods(manifests: list[Manifest]) -> None:
    service = one(manifests, "Service")
    template_labels = one(manifests, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"] == selector_labels(manifests)
    assert service["spec"]["selector"].items() <= template_labels.items()
    [port] = service["spec"]["ports"]
    assert (port["name"], port["targetPort"]) == ("http", "http")


def test_ingress_points_at_the_service(all_manifests: list[Manifest]) -> None:
    ingress = one(all_manifests, "Ingress")
    service = one(all_manifests, "Service")
    backends = [
        path["backend"]["service"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends
    assert all(
        b == {"name": service["metadata"]["name"], "port": {"name": "http"}} for b in backends
    )
    assert ingress["spec"]["tls"][0]["secretName"] == "review-analyzer-tls"


def test_service_monitor_scrapes_metrics(all_manifests: list[Manifest]) -> None:
    monitor = one(all_manifests, "ServiceMonitor")
    service = one(all_manifests, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    spec = monitor["spec"]
    # Structural check in place of a schema: only fields the ServiceMonitor CRD defines.
    assert set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel"}
    assert spec["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    [endpoint] = spec["endpoints"]
    assert set(endpoint) <= {"port", "path", "scheme", "interval", "scrapeTimeout"}
    assert endpoint["port"] == service["spec"]["ports"][0]["name"]
    assert (endpoint["path"], endpoint["scheme"]) == ("/metrics", "http")
    assert re.fullmatch(r"\d+[smh]", endpoint["interval"])
    assert re.fullmatch(r"\d+[smh]", endpoint["scrapeTimeout"])


def test_scrape_annotations(
    default_manifests: list[Manifest], all_manifests: list[Manifest]
) -> None:
    def annotations(manifests: list[Manifest]) -> dict[str, str]:
        meta = one(manifests, "Deployment")["spec"]["template"]["metadata"]
        found: dict[str, str] = meta.get("annotations", {})
        return found

    assert "prometheus.io/scrape" not in annotations(default_manifests)
    assert annotations(all_manifests) == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "prometheus.io/path": "/metrics",
        "example.com/team": "platform",
    }


def test_network_policy(all_manifests: list[Manifest]) -> None:
    policy = one(all_manifests, "NetworkPolicy")["spec"]
    assert policy["podSelector"]["matchLabels"] == selector_labels(all_manifests)
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    [rule] = policy["ingress"]
    assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    test_pod_labels = one(all_manifests, "Pod")["metadata"]["labels"]
    assert any(
        peer.get("podSelector", {}).get("matchLabels", {}).items() <= test_pod_labels.items()
        for peer in rule["from"]
        if "podSelector" in peer
    ), "the helm test pod must be allowed in"


def test_network_policy_denies_egress_by_default(render: Render) -> None:
    manifests = render("--set", "networkPolicy.enabled=true")
    policy = one(manifests, "NetworkPolicy")["spec"]
    assert policy["egress"] == []
    assert "from" not in policy["ingress"][0]


# --- helm test, docs ------------------------------------------------------------------------


def test_helm_test_pod_calls_readyz(manifests: list[Manifest]) -> None:
    pod = one(manifests, "Pod")
    service = one(manifests, "Service")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["spec"]["restartPolicy"] == "Never"
    url = f"http://{service['metadata']['name']}:{service['spec']['ports'][0]['port']}/readyz"
    assert pod["spec"]["containers"][0]["command"][-1] == url
    # Not selected by the Service or the PDB.
    assert not selector_labels(manifests).items() <= pod["metadata"]["labels"].items()
    assert pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize("values", [None, ALL_VALUES], ids=["default", "all-values"])
def test_notes_tell_how_to_reach_the_service(helm: Helm, values: Path | None) -> None:
    extra = ["--values", str(values)] if values else []
    result = helm(
        "install", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, "--dry-run=client", *extra
    )
    assert result.returncode == 0, result.stderr
    notes = result.stdout.split("NOTES:", 1)[1]
    if values is None:
        assert f"port-forward service/{RELEASE} 8080:80" in notes
        assert "http://127.0.0.1:8080/readyz" in notes
    else:
        assert "https://review-analyzer.example.com/" in notes
        assert "ServiceMonitor scrapes it every 15s" in notes
    assert f"helm test {RELEASE} --namespace {NAMESPACE}" in notes


def _leaves(values: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        if isinstance(value, dict) and value:
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def test_chart_readme_documents_every_value() -> None:
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    readme = (CHART_DIR / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([\w.]+)` \|", readme, flags=re.MULTILINE))
    leaves = set(_leaves(values))
    undocumented = {
        leaf
        for leaf in leaves
        if not any(leaf == key or leaf.startswith(key + ".") for key in documented)
    }
    assert undocumented == set()
    unknown = {
        key
        for key in documented
        if not any(leaf == key or leaf.startswith(key + ".") for leaf in leaves)
    }
    assert unknown == set()


# --- API-key authentication (auth.*) ------------------------------------------------------------

AUTH_FILE_ENV = "API_KEYS_FILE"
AUTH_VALUES = CHART_DIR / "ci" / "auth-values.yaml"


@pytest.fixture(scope="module")
def auth_manifests(render: Render) -> list[Manifest]:
    """The chart rendered with ci/auth-values.yaml (auth on, chart-managed Secret)."""
    return render("--values", str(AUTH_VALUES))


def test_auth_values_lint_and_validate(
    helm: Helm, auth_manifests: list[Manifest], tmp_path: Path
) -> None:
    result = helm(
        "lint",
        "--strict",
        str(CHART_DIR),
        "--kube-version",
        KUBERNETES_VERSION,
        "--values",
        str(AUTH_VALUES),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {m["kind"] for m in auth_manifests} == ALWAYS_KINDS | {"Secret"}
    returncode, lines = _kubernetes_validate(tmp_path, auth_manifests)
    assert returncode == 0, lines
    passed = [line for line in lines if line.startswith("INFO") and " passed " in line]
    assert len(passed) == len(auth_manifests)


def _volume(manifests: list[Manifest], name: str) -> Manifest:
    volumes: list[Manifest] = [v for v in pod_spec(manifests)["volumes"] if v["name"] == name]
    assert len(volumes) == 1, volumes
    return volumes[0]


def test_auth_is_off_by_default(default_manifests: list[Manifest]) -> None:
    env = env_of(default_manifests)
    assert AUTH_FILE_ENV not in env
    assert "API_KEYS" not in env
    assert "Secret" not in {m["kind"] for m in default_manifests}
    assert Settings.from_env(env).api_keys == ()


def test_auth_keys_reach_the_service_as_a_mounted_secret_file(
    auth_manifests: list[Manifest], tmp_path: Path
) -> None:
    secret = one(auth_manifests, "Secret")
    env = env_of(auth_manifests)
    volume = _volume(auth_manifests, "api-keys")["secret"]
    assert volume["secretName"] == secret["metadata"]["name"]
    assert volume["defaultMode"] == 0o440
    [item] = volume["items"]
    assert item["key"] in secret["data"]
    [mount] = [m for m in container(auth_manifests)["volumeMounts"] if m["name"] == "api-keys"]
    assert mount["readOnly"] is True
    assert env[AUTH_FILE_ENV] == f"{mount['mountPath']}/{item['path']}"
    # Never as an environment variable: env shows up in `kubectl describe` and crash dumps.
    assert not any("valueFrom" in e for e in container(auth_manifests)["env"])
    # What the kubelet would write into the mounted file is a valid configuration.
    keys_file = tmp_path / "api-keys"
    keys_file.write_bytes(base64.b64decode(secret["data"][item["key"]]))
    settings = Settings.from_env({**env, AUTH_FILE_ENV: str(keys_file)})
    values = yaml.safe_load(AUTH_VALUES.read_text(encoding="utf-8"))
    assert settings.api_keys == tuple(values["auth"]["keys"])
    assert settings.auth_exempt_paths == ("/livez", "/readyz", "/metrics")


def test_auth_with_an_existing_secret(render: Render) -> None:
    manifests = render(
        "--set",
        "auth.enabled=true",
        "--set",
        "auth.existingSecret=my-keys",
        "--set",
        "auth.existingSecretKey=keys.txt",
    )
    assert "Secret" not in {m["kind"] for m in manifests}
    volume = _volume(manifests, "api-keys")["secret"]
    assert volume["secretName"] == "my-keys"
    assert volume["items"] == [{"key": "keys.txt", "path": "api-keys"}]
    annotations = one(manifests, "Deployment")["spec"]["template"]["metadata"].get("annotations")
    assert not any(k.startswith("checksum/") for k in annotations or {})


def test_new_auth_keys_roll_the_pods(render: Render) -> None:
    def checksum(key: str) -> str:
        manifests = render("--set", "auth.enabled=true", "--set", f"auth.keys[0]={key}")
        meta = one(manifests, "Deployment")["spec"]["template"]["metadata"]
        value: str = meta["annotations"]["checksum/api-keys"]
        return value

    assert checksum("a" * 32) != checksum("b" * 32)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["auth.enabled=true"], "auth.keys or auth.existingSecret"),
        (
            ["auth.enabled=true", "auth.existingSecret=k", "auth.exemptPaths={/metrics}"],
            "probe path",
        ),
        (["auth.enabled=true", "auth.keys[0]=too-short"], "auth"),
        (["auth.enabled=true", "auth.keys[0]=has spaces in the key 0123"], "auth"),
        (["auth.exemptPaths[0]=livez"], "auth"),
    ],
)
def test_auth_misconfigurations_fail_the_render(helm: Helm, args: list[str], message: str) -> None:
    sets = [part for arg in args for part in ("--set", arg)]
    result = helm("template", RELEASE, str(CHART_DIR), *sets)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
