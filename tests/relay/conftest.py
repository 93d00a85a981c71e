"""Fixtures for the relay tests: the local gateway, a relay app mounted on it.

The local gateway is built with cargo and started once per session on 127.0.0.1; set
`LIVEPEER_GATEWAY_BIN` to a built `livepeer-local-gateway` to skip the build. Each test
gets its own gateway scope, so tests never see each other's faults, keys or logs.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import KEY, STARTUP_LINE, Scope, gateway_binary, relay_app

from livepeer_relay import RelaySettings


@pytest.fixture(scope="session")
def gateway_url() -> Iterator[str]:
    """The base URL of a local gateway that runs for the whole session."""
    process = subprocess.Popen(
        [str(gateway_binary()), "--port", "0", "--host", "127.0.0.1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        found = STARTUP_LINE.search(line)
        assert found, f"the gateway did not start: {line!r}"
        yield found.group(1)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def scope(gateway_url: str) -> Scope:
    """A fresh gateway scope for one test."""
    return Scope(gateway_url, f"relay-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    """Where this test's relay stores its settings."""
    return tmp_path / "user" / "comfyui-livepeer.json"


@pytest.fixture
def settings(settings_path: Path, gateway_url: str) -> RelaySettings:
    """Relay settings aimed at the local gateway, with the key from the environment."""
    environ = {"LIVEPEER_GATEWAY_URL": gateway_url, "LIVEPEER_API_KEY": KEY}
    return RelaySettings(settings_path, environ=environ)


@pytest.fixture
async def relay(aiohttp_client: Any, settings: RelaySettings) -> Any:
    """A test client of the relay with the `settings` fixture."""
    return await aiohttp_client(relay_app(settings))
