"""auth_type entra's token source, with the real azure-identity against the local stand-in."""

from __future__ import annotations

import concurrent.futures
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest
from entra_standin import EntraStandin

from ansible_collections.seed.openai.plugins.module_utils import _entra
from ansible_collections.seed.openai.plugins.module_utils._entra import (
    DEFAULT_SCOPE,
    EntraError,
    EntraTokenSource,
)
from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput
from ansible_collections.seed.openai.plugins.module_utils._token_cache import (
    CachedToken,
    TokenCache,
    cache_directory,
    cache_key,
)

SECRET = "s3cret-Value~with.odd_chars"
TENANT = "72f988bf-0000-4000-8000-000000000001"
CLIENT = "0d3c7a51-0000-4000-8000-000000000002"
# Everything that steers azure-identity through the process environment.
_STEERING = (
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "IDENTITY_SERVER_THUMBPRINT",
    "IMDS_ENDPOINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_SECRET",
    "AZURE_TENANT",
    "AZURE_TOKEN_CREDENTIALS",
)


class Clock:
    """Epoch seconds that move only when the test says."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def standin(monkeypatch, tmp_path, clock):
    """A stand-in whose clock is the test's; the process environment reaches no real
    Azure endpoint (IMDS answers from the stand-in, no az on PATH)."""
    for name in _STEERING:
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with EntraStandin(lifetime=60, authority=True, clock=clock) as running:
        monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", running.imds_host)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", running.ca_bundle)
        yield running


@pytest.fixture
def app_service(standin, monkeypatch):
    for name, value in standin.environ().items():
        monkeypatch.setenv(name, value)
    return standin


def token_requests(standin: EntraStandin) -> list[dict]:
    return [r for r in standin.requests if "token" in r["path"]]


def test_managed_identity_token_from_the_app_service_endpoint(app_service, clock):
    source = EntraTokenSource(environ={}, clock=clock)
    token = source()
    assert app_service.check(token, DEFAULT_SCOPE) is None
    assert source.source_name == "managed identity"
    [request] = token_requests(app_service)
    assert request["path"] == "/msi/token"
    assert request["query"] == {"api-version": "2019-08-01", "resource": "https://ai.azure.com"}
    assert request["headers"]["x-identity-header"] == app_service.identity_header
    assert [issue.flow for issue in app_service.issued] == ["app_service"]


def test_managed_identity_from_imds(standin, clock):
    source = EntraTokenSource(environ={}, clock=clock)
    assert standin.check(source(), DEFAULT_SCOPE) is None
    assert [issue.flow for issue in standin.issued] == ["imds"]
    assert token_requests(standin)[-1]["headers"]["metadata"] == "true"


def test_a_valid_token_is_reused(app_service, clock):
    source = EntraTokenSource(environ={}, clock=clock)
    first = source()
    clock.advance(20)  # 60 s token: renewal starts with 30 s left
    assert source() == first
    assert len(app_service.issued) == 1


def test_a_token_is_renewed_before_it_expires(app_service, clock):
    source = EntraTokenSource(environ={}, clock=clock)
    first = source()
    clock.advance(35)  # under half the lifetime left
    second = source()
    assert second != first
    assert len(app_service.issued) == 2
    assert app_service.check(second) is None


def test_a_long_wait_never_sends_an_expired_token(app_service, clock):
    app_service.lifetime = 3  # short-lived: renewed at half its life
    source = EntraTokenSource(environ={}, clock=clock)
    for _poll in range(40):  # one call per poll, 0.4 s apart, over five lifetimes
        token = source()
        clock.advance(0.4)  # the server reads it as late as the next poll
        assert app_service.check(token) is None, "the token sent had expired when the server read it"
    assert 4 <= len(app_service.issued) <= 20, "renewal neither too late nor on every call"


def test_renewal_that_fails_keeps_a_token_with_time_left_then_reports(app_service, clock):
    source = EntraTokenSource(environ={}, clock=clock)
    first = source()
    clock.advance(35)  # inside the renewal window, 24-25 s left
    app_service.fail_next(1)
    assert source() == first
    clock.advance(24)  # about to lapse: the failure must surface now
    app_service.fail_next(1)
    with pytest.raises(EntraError) as caught:
        source()
    message = str(caught.value)
    assert "\n" not in message and "managed identity" in message and "fault injected" in message
    assert first not in message


@pytest.mark.parametrize(
    "names",
    [
        ("AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"),  # azure-identity's
        ("AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_TENANT"),  # AWX's Azure Resource Manager credential
    ],
)
def test_service_principal_from_the_environment(standin, clock, names):
    standin.add_app(TENANT, CLIENT, SECRET)
    before = dict(os.environ)
    environ = dict(zip(names, (CLIENT, SECRET, TENANT)), AZURE_AUTHORITY_HOST=standin.authority_host)
    source = EntraTokenSource(environ=environ, clock=clock)
    token = source()
    assert standin.check(token, DEFAULT_SCOPE) is None
    assert source.source_name == "environment (service principal)"
    [request] = token_requests(standin)
    assert request["path"] == f"/{TENANT}/oauth2/v2.0/token"
    assert request["form"]["client_id"] == CLIENT
    assert request["form"]["scope"].split()[0] == DEFAULT_SCOPE
    assert dict(os.environ) == before, "os.environ must not change"
    assert SECRET in source.secrets() and token in source.secrets()


@pytest.mark.parametrize(
    ("tenant", "secret", "expected"),
    [
        (TENANT, "not-the-secret", "AADSTS7000215: Invalid client secret provided"),
        ("00000000-0000-4000-8000-00000000dead", SECRET, "double check your tenant name or GUID"),
    ],
)
def test_wrong_secret_or_tenant_is_one_line_without_the_secret(standin, app_service, clock, tenant, secret, expected):
    standin.add_app(TENANT, CLIENT, SECRET)
    standin.leaky_errors = True  # the wrong secret comes back in the error: it must not reach the message
    environ = {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_SECRET": secret,
        "AZURE_TENANT": tenant,
        "AZURE_AUTHORITY_HOST": standin.authority_host,
    }
    source = EntraTokenSource(environ=environ, clock=clock)
    with pytest.raises(EntraError) as caught:
        source()
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    assert expected in message
    assert "environment (service principal)" in message and "AZURE_TENANT" in message
    assert secret not in message and SECRET not in message
    assert ("********" in message) == (secret != SECRET)
    # An explicit service principal that fails is reported, not replaced by the managed identity.
    assert standin.issued == []


def test_a_secret_without_its_tenant_is_refused_before_anything_is_sent(standin, clock):
    source = EntraTokenSource(environ={"AZURE_CLIENT_ID": CLIENT, "AZURE_SECRET": SECRET}, clock=clock)
    with pytest.raises(InvalidInput, match="AZURE_TENANT_ID/AZURE_TENANT is not"):
        source()
    assert standin.requests == []


def test_workload_identity_with_a_federated_token_file(standin, clock, tmp_path):
    federated = "eyJ.federated.assertion"
    token_file = tmp_path / "azure-identity-token"
    token_file.write_text(federated)
    standin.add_app(TENANT, CLIENT, federated_token=federated)
    environ = {
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_TENANT_ID": TENANT,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": standin.authority_host,
    }
    source = EntraTokenSource(environ=environ, clock=clock)
    assert standin.check(source(), DEFAULT_SCOPE) is None
    assert source.source_name == "workload identity"
    assert token_requests(standin)[-1]["form"]["client_assertion_type"].endswith("jwt-bearer")


def test_nothing_configured_names_every_source_tried(standin, clock):
    standin.imds_identity = False
    with pytest.raises(EntraError) as caught:
        EntraTokenSource(environ={}, clock=clock)()
    message = str(caught.value)
    assert "\n" not in message
    for tried in ("environment", "workload identity", "managed identity (", "Azure CLI (", "az login"):
        assert tried in message


def test_a_given_token_is_used_as_is(standin, clock):
    given = standin.mint.issue("app_service", "https://ai.azure.com", "task", 600).token
    source = EntraTokenSource(token=given, clock=clock)
    assert source() == given
    assert source.source_name == "token"
    assert source.secrets() == [given]
    assert given not in repr(source)
    assert standin.requests == []


@pytest.mark.parametrize("left", [-30, 3])
def test_an_expired_given_token_fails_with_one_line(standin, clock, left):
    given = standin.mint.issue("app_service", "https://ai.azure.com", "task", 600).token
    source = EntraTokenSource(token=given, clock=clock)
    assert source() == given
    clock.advance(600 - left)
    with pytest.raises(InvalidInput) as caught:
        source()
    message = str(caught.value)
    assert "cannot be renewed" in message and ("expired" if left < 0 else "expires") in message
    assert "\n" not in message and given not in message


def test_a_given_token_with_a_known_expiry_that_is_not_a_jwt(clock):
    source = EntraTokenSource(token="opaque-token", token_expires_on=clock.now - 1, clock=clock)
    with pytest.raises(InvalidInput, match="expired"):
        source()
    assert EntraTokenSource(token="opaque-token", clock=clock)() == "opaque-token"


@pytest.mark.parametrize("bad", ["", "two words", "line\nbreak"])
def test_a_malformed_given_token_is_refused(bad):
    with pytest.raises(InvalidInput, match="the Entra access token given"):
        EntraTokenSource(token=bad)


def test_standin_check_tells_invalid_and_expired(standin, clock):
    token = standin.mint.issue("imds", "https://ai.azure.com", "x", 10).token
    assert standin.check(token) is None
    assert standin.check(token, "https://management.azure.com/.default") == "invalid"
    assert standin.check(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) == "invalid"
    assert standin.check("not-a-token") == "invalid"
    clock.advance(11)
    assert standin.check(token) == "expired"


_WITHOUT_AZURE_IDENTITY = """
import sys
sys.path.insert(0, {ns!r})

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name == "azure" or name.startswith("azure."):
            raise ImportError("No module named 'azure'")

sys.meta_path.insert(0, Refuse())
from ansible_collections.seed.openai.plugins.module_utils._entra import EntraTokenSource
from ansible_collections.seed.openai.plugins.module_utils._errors import InvalidInput

assert EntraTokenSource(token="given-token")() == "given-token"
try:
    EntraTokenSource(environ={{"AZURE_CLIENT_SECRET": "topsecret"}})()
except InvalidInput as exc:
    print(exc)
"""


def test_missing_azure_identity_is_one_line_naming_the_fix():
    # The directory holding ansible_collections/, wherever the tests run from (.build/ns, ansible-test's tree).
    namespace = _entra.__file__
    for _index in range(6):
        namespace = os.path.dirname(namespace)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_WITHOUT_AZURE_IDENTITY.format(ns=namespace))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert "azure-identity" in line and "host that runs the module: pip install azure-identity" in line
    assert "topsecret" not in line


# -- the token cache shared by the tasks of a run ---------------------------------------------


@pytest.fixture
def cache_dir(tmp_path) -> str:
    return str(tmp_path / "cache" / "seed.openai")


def cached_files(directory: str) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".json"))


def test_processes_sharing_the_cache_sign_in_once(app_service, clock, cache_dir):
    # Each source stands for a task's process: nothing shared but the directory.
    sources = [EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir)) for _task in range(5)]
    tokens = [source() for source in sources]
    assert len(app_service.issued) == 1
    assert set(tokens) == {app_service.issued[0].token}
    assert {source.source_name for source in sources} == {"managed identity"}
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700
    [name] = cached_files(cache_dir)
    assert stat.S_IMODE(os.stat(os.path.join(cache_dir, name)).st_mode) == 0o600
    assert app_service.identity_header not in name


def test_a_cached_token_is_not_used_past_its_renewal_time(app_service, clock, cache_dir):
    first = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    clock.advance(25)  # 60 s token, renewed with 30 s left: still fresh
    assert EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))() == first
    clock.advance(10)  # past its renewal time: the next task signs in and keeps the new one
    second = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    assert second != first and len(app_service.issued) == 2
    assert EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))() == second
    assert len(app_service.issued) == 2 and len(cached_files(cache_dir)) == 1


def test_an_expired_entry_is_dropped_and_never_handed_out(cache_dir, clock):
    cache = TokenCache(cache_dir)
    key = cache_key({"kind": "test"})
    # A forged renewal time past the expiry does not stretch the token's life.
    cache.store(key, CachedToken("tok-expired", clock.now + 10, clock.now + 1000, "managed identity"))
    assert cache.load(key, clock.now).token == "tok-expired"
    assert cache.load(key, clock.now + 10) is None
    assert cached_files(cache_dir) == [], "an expired token stays on disk"


def test_a_forged_renewal_time_is_capped_at_the_expiry(app_service, clock, cache_dir):
    source = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))
    [name] = (source(), cached_files(cache_dir))[1]
    path = os.path.join(cache_dir, name)
    with open(path) as handle:
        data = json.load(handle)
    data["use_until"] = data["expires_on"] + 3600
    with open(path, "w") as handle:
        json.dump(data, handle)
    clock.now = data["expires_on"] - 2  # two seconds left: the token must not go out
    assert EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))() != data["token"]
    assert len(app_service.issued) == 2


@pytest.mark.parametrize(
    "damage",
    [
        "",
        "{not json",
        '{"format": 1, "token": "x"}',
        '{"format": 1, "token": "two words", "expires_on": 9e99, "use_until": 9e99, "source": "s"}',
        '{"format": 1, "token": "tok", "expires_on": "soon", "use_until": 9e99, "source": "s"}',
        '{"format": 2, "token": "tok", "expires_on": 9e99, "use_until": 9e99, "source": "s"}',
        "[1, 2, 3]",
        "x" * 70000,
    ],
)
def test_a_corrupt_entry_is_ignored_and_replaced(app_service, clock, cache_dir, damage):
    EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    [name] = cached_files(cache_dir)
    with open(os.path.join(cache_dir, name), "w") as handle:
        handle.write(damage)
    token = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    assert app_service.check(token) is None and len(app_service.issued) == 2
    assert TokenCache(cache_dir).load(name[:-5], clock.now).token == token, "the damaged entry was not replaced"


@pytest.mark.parametrize("exposure", ["group", "world", "foreign owner", "symlink"])
def test_an_entry_others_could_have_written_or_read_is_ignored(app_service, clock, cache_dir, tmp_path, exposure):
    first = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    [name] = cached_files(cache_dir)
    path = os.path.join(cache_dir, name)
    if exposure == "group":
        os.chmod(path, 0o640)
    elif exposure == "world":
        os.chmod(path, 0o604)
    elif exposure == "foreign owner":
        if os.geteuid() != 0:
            pytest.skip("giving a file to another user needs root")  # the tests run as root here
        os.chown(path, 4321, -1)
    else:
        planted = tmp_path / "planted.json"
        os.rename(path, planted)
        os.symlink(planted, path)
    second = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    assert second != first and len(app_service.issued) == 2
    assert not os.path.islink(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_directory_of_another_user_is_not_used_and_an_open_one_is_closed(app_service, clock, cache_dir):
    os.makedirs(cache_dir, mode=0o755)
    os.chmod(cache_dir, 0o755)
    EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    assert stat.S_IMODE(os.stat(cache_dir).st_mode) == 0o700 and len(cached_files(cache_dir)) == 1
    if os.geteuid() != 0:
        return  # giving the directory away needs root
    os.chown(cache_dir, 4321, -1)
    [name] = cached_files(cache_dir)
    assert TokenCache(cache_dir).load(name[:-5], clock.now) is None
    EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()
    assert len(app_service.issued) == 2


def test_concurrent_first_sign_ins_wait_for_one(app_service, clock, cache_dir, monkeypatch):
    answer = app_service.answer_identity

    def slowly(*args: Any) -> Any:  # a slow identity endpoint: the others arrive while it answers
        time.sleep(0.3)
        return answer(*args)

    monkeypatch.setattr(app_service, "answer_identity", slowly)
    sources = [EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir)) for _worker in range(6)]
    with concurrent.futures.ThreadPoolExecutor(len(sources)) as pool:
        tokens = list(pool.map(lambda source: source(), sources))
    assert len(app_service.issued) == 1 and len(set(tokens)) == 1


def test_each_credential_has_its_own_entry_named_without_its_secret(standin, clock, cache_dir):
    environ = {"AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT, "AZURE_AUTHORITY_HOST": standin.authority_host}
    for secret in (SECRET, SECRET + "-rotated", SECRET):  # the app's secret rotated, then back
        standin.add_app(TENANT, CLIENT, secret)
        EntraTokenSource(environ=dict(environ, AZURE_CLIENT_SECRET=secret), clock=clock, cache=TokenCache(cache_dir))()
    EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))()  # the managed identity
    EntraTokenSource(environ={}, scope="https://cognitiveservices.azure.com/.default", cache=TokenCache(cache_dir))()
    assert len(standin.issued) == 4
    names = cached_files(cache_dir)
    assert len(names) == 4
    for name in names:
        assert all(part not in name for part in (SECRET, CLIENT, TENANT))


def test_a_given_token_is_never_cached(standin, clock, cache_dir):
    given = standin.mint.issue("app_service", "https://ai.azure.com", "task", 600).token
    assert EntraTokenSource(token=given, clock=clock, cache=TokenCache(cache_dir))() == given
    assert not os.path.exists(cache_dir) or cached_files(cache_dir) == []


def test_azure_cli_tokens_are_left_to_the_cli(standin, clock, cache_dir, tmp_path, monkeypatch):
    standin.imds_identity = False  # no managed identity here: the chain ends at `az`
    az = tmp_path / "bin" / "az"
    az.write_text(
        "#!/bin/sh\n"
        f'echo \'{{"accessToken": "cli-token-$$", "expires_on": {int(clock.now) + 3600}, "tokenType": "Bearer"}}\'\n'
    )
    az.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/bin:/usr/bin")
    source = EntraTokenSource(environ={}, clock=clock, cache=TokenCache(cache_dir))
    assert source().startswith("cli-token-") and source.source_name == "Azure CLI"
    assert cached_files(cache_dir) == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"HOME": "/home/u"}, "/home/u/.cache/seed.openai"),
        ({"HOME": "/home/u", "XDG_CACHE_HOME": "/var/cache/u"}, "/var/cache/u/seed.openai"),
        ({"HOME": "/home/u", "XDG_CACHE_HOME": "relative"}, "/home/u/.cache/seed.openai"),
        ({"HOME": "/home/u", "SEED_OPENAI_TOKEN_CACHE": "/srv/tokens"}, "/srv/tokens"),
        ({"HOME": "/home/u", "SEED_OPENAI_TOKEN_CACHE": "off"}, None),
        ({"HOME": "/home/u", "SEED_OPENAI_TOKEN_CACHE": "False"}, None),
    ],
)
def test_where_the_cache_lives(environ, expected):
    assert cache_directory(environ) == expected
