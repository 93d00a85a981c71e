"""Helpers shared by the relay tests: the gateway's control API, a relay app, raw HTTP."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from livepeer_relay import RelaySettings, make_routes

ROOT = Path(__file__).resolve().parents[2]
KEY = "relay-test-key-7f3c9a0b"
STARTUP_LINE = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def gateway_binary() -> Path:
    """The local gateway's binary, built by cargo unless `LIVEPEER_GATEWAY_BIN` names one."""
    given = os.environ.get("LIVEPEER_GATEWAY_BIN")
    if given:
        return Path(given)
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "livepeer-local-gateway"], cwd=ROOT, check=True
    )
    return ROOT / "target" / "debug" / "livepeer-local-gateway"


@dataclass
class Scope:
    """One gateway scope: its pipeline path prefix and its control API."""

    gateway_url: str
    name: str

    @property
    def prefix(self) -> str:
        """The relay path prefix of this scope's pipelines."""
        return f"/livepeer/gateway/s/{self.name}"

    async def control(self, method: str, what: str, body: Any = None) -> Any:
        """Calls `/control/<scope>/<what>` on the gateway itself and returns its JSON."""
        url = f"{self.gateway_url}/control/{self.name}/{what}"
        async with aiohttp.ClientSession() as session:
            async with session.request(method, url, json=body) as response:
                assert response.status == 200, await response.text()
                return await response.json()

    async def require_key(self, key: str = KEY) -> None:
        """Makes the scope's pipelines require `Authorization: Bearer <key>`."""
        await self.control("POST", "config", {"api_key": key})

    async def faults(self, *faults: dict[str, Any]) -> None:
        """Queues faults for the scope's next pipeline requests."""
        await self.control("POST", "faults", list(faults))

    async def log(self) -> list[dict[str, Any]]:
        """The scope's pipeline requests as the gateway saw them."""
        return (await self.control("GET", "log"))["requests"]


def relay_app(settings: RelaySettings, api_prefix: bool = False) -> web.Application:
    """An app serving the relay's routes; with `api_prefix`, also under `/api/` as
    ComfyUI serves them."""
    app = web.Application()
    routes = make_routes(settings)
    app.add_routes(routes)
    if api_prefix:
        app.add_routes(
            [web.route(r.method, "/api" + r.path, r.handler, **r.kwargs) for r in routes]
        )
    return app


@dataclass
class RawAnswer:
    """A response read off the socket."""

    status: int
    headers: str
    body: bytes


async def raw_request(
    client: Any, method: str, target: str, origin: str | None = None
) -> RawAnswer:
    """Sends `target` exactly as written, which aiohttp's client would normalize."""
    host, port = client.server.host, client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{port}", "Content-Length: 0"]
    if origin:
        lines.append(f"Origin: {origin}")
    writer.write(("\r\n".join(lines + ["Connection: close", "", ""])).encode())
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, _, headers = head.decode("latin-1").partition("\r\n")
    return RawAnswer(int(status_line.split()[1]), headers, body)


def assert_no_key(*texts: Any) -> None:
    """Fails if the API key appears in any of `texts` (str, bytes or headers)."""
    for text in texts:
        if hasattr(text, "items"):
            text = "\n".join(f"{name}: {value}" for name, value in text.items())
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        assert KEY not in str(text)
