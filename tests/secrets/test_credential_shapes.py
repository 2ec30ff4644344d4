"""One list of credential shapes: each is refused as a value in an environment file and masked in a report."""

from __future__ import annotations

import json

import pytest

from drillbook import redaction
from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError

TARGET = '[target]\ntier = "staging"\nbase_url = "https://api-staging.castiel.com"\n'
PLANTED = "s3cr3tPlanted4e1f9a"  # never registered: only its shape can give it away
EXAMPLES = {
    "credentials in a URL": [f"https://drill:{PLANTED}@api-staging.castiel.com",
                             f"https://{PLANTED}@api-staging.castiel.com"],
    "credential in a URL query": [f"https://blob.core.windows.net/c?sv=2024&sig={PLANTED}",
                                  f"/api/shards?client_secret={PLANTED}", f"/oauth/callback?code={PLANTED}"],
    "bearer token": [f"Bearer {PLANTED}"],
    "basic credentials": [f"Authorization: Basic {PLANTED}"],  # the one redaction masked but a file could carry
    "key in a connection string": [f"Endpoint=sb://ns/;SharedAccessKeyName=drill;SharedAccessKey={PLANTED}",
                                   f"castiel.redis.cache.windows.net:6380,password={PLANTED},ssl=True",
                                   f"SharedAccessSignature sig={PLANTED}&se=1780000000&skn=drill"],  # refused, not masked before
    "private key": [f"-----BEGIN PRIVATE KEY-----\n{PLANTED}\n-----END PRIVATE KEY-----"],
}
CASES = [(name, text) for name, texts in EXAMPLES.items() for text in texts]


def test_every_shape_has_examples_here():
    assert set(EXAMPLES) == {shape.name for shape in redaction.CREDENTIAL_SHAPES}


@pytest.mark.parametrize(("name", "text"), CASES)
def test_the_shape_is_refused_in_an_environment_file_without_its_value(tmp_path, name, text):
    path = tmp_path / "target.toml"
    path.write_text(TARGET + f"[metrics]\nprobe_routes = [{json.dumps(text)}]\n")
    with pytest.raises(ConfigError) as refused:
        load_environment(path=path)
    message = str(refused.value)
    assert PLANTED not in message and "\n" not in message
    assert "[metrics] probe_routes: " in message
    shape = redaction.credential_shape(text)
    assert shape is not None and shape.name == name
    assert ("the URL carries a credential" if shape.in_url else "a secret value is written in the file") in message


@pytest.mark.parametrize(("name", "text"), CASES)
def test_the_shape_is_masked_in_a_report(name, text):
    masked = redaction.redact_text(f"upstream said: {text} (retrying)")
    assert PLANTED not in masked and redaction.MASK in masked
    assert masked.startswith("upstream said: ") and masked.endswith(" (retrying)")


@pytest.mark.parametrize("text", ["/api/shards?tenantId=drillbook-probe", "redis://cache.internal:6379/0",
                                  "uses Bearer or PoP tokens", "https://api-staging.castiel.com/health"])
def test_ordinary_values_are_neither_refused_nor_masked(text):
    assert redaction.credential_shape(text) is None and redaction.redact_text(text) == text
