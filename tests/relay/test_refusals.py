"""What the relay refuses: other paths and targets, redirects, big bodies, other sites."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from aiohttp import web
from helpers import KEY, assert_no_key, raw_request, relay_app

from livepeer_relay import RelaySettings


async def assert_refused(response: Any, status: int, says: str = "") -> str:
    """Checks the status and the gateway-shaped JSON error; returns its message."""
    body = await response.read()
    assert response.status == status, body
    assert response.headers["Content-Type"].startswith("application/json")
    msg = (await response.json())["detail"]["msg"]
    assert says in msg
    assert_no_key(body, response.headers)
    return msg


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("text-to-imagine", 404),
        ("text-to-image/extra", 404),
        ("stream/abc/1.png", 404),
        ("live/video-to-video/abc/start", 404),
        ("s/bad.scope/text-to-image", 404),
        ("s//text-to-image", 400),
        ("./text-to-image", 400),
        ("s/SCOPE/./text-to-image", 400),
        ("s/SCOPE/../../control/SCOPE/faults", 400),
        ("%2e%2e/control/SCOPE/log", 400),
        ("s%2FSCOPE%2Ftext-to-image", 400),
        ("text-to-image%3F", 400),
        ("http://127.0.0.1:1/text-to-image", 400),
        ("/127.0.0.1:1/text-to-image", 400),
    ],
)
async def test_other_gateway_paths_are_refused_as_sent(relay, scope, path, status):
    target = "/livepeer/gateway/" + path.replace("SCOPE", scope.name)

    answer = await raw_request(relay, "POST", target)

    assert answer.status == status, answer.body
    assert answer.body.startswith(b'{"detail": {"msg": ')
    assert await scope.log() == []


async def test_the_control_api_is_out_of_reach(relay, scope):
    fault = [{"kind": "status", "status": 503}]
    for path in [f"control/{scope.name}/faults", f"s/{scope.name}/control/{scope.name}/faults"]:
        response = await relay.post(f"/livepeer/gateway/{path}", json=fault)
        await assert_refused(response, 404)

    assert (await scope.control("GET", "faults"))["faults"] == []


async def test_methods_are_checked_per_path(relay, scope):
    response = await relay.get(f"{scope.prefix}/text-to-image")
    await assert_refused(response, 405)
    assert response.headers["Allow"] == "POST"

    response = await relay.post("/livepeer/gateway/live/video-to-video/abc/status")
    await assert_refused(response, 405)


async def test_a_redirect_is_not_followed(aiohttp_client, aiohttp_server, settings_path):
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://relay-test.invalid/text-to-image")

    upstream = web.Application()
    upstream.router.add_post("/text-to-image", redirect)
    upstream.router.add_get("/stream/r/1.png", redirect)
    server = await aiohttp_server(upstream)
    environ = {"LIVEPEER_GATEWAY_URL": str(server.make_url("")), "LIVEPEER_API_KEY": KEY}
    settings = RelaySettings(settings_path, environ=environ)
    relay = await aiohttp_client(relay_app(settings))

    response = await relay.post("/livepeer/gateway/text-to-image", json={"prompt": "x"})
    await assert_refused(response, 502, "redirect, which the relay does not follow")

    media_url = str(server.make_url("/stream/r/1.png"))
    media = await relay.get("/livepeer/media", params={"url": media_url})
    await assert_refused(media, 502, "redirect")


@pytest.fixture
async def small_relay(aiohttp_client, settings_path, gateway_url) -> Any:
    environ = {"LIVEPEER_GATEWAY_URL": gateway_url, "LIVEPEER_API_KEY": KEY}
    settings = RelaySettings(settings_path, environ=environ, max_body_bytes=1024)
    return await aiohttp_client(relay_app(settings))


async def test_a_declared_body_over_the_limit_is_refused(small_relay, scope):
    response = await small_relay.post(f"{scope.prefix}/text-to-image", data=b"x" * 1025)

    await assert_refused(response, 413, "1024 bytes")
    assert await scope.log() == []


async def test_a_streamed_body_over_the_limit_is_refused(small_relay, scope):
    async def chunks():
        for _ in range(4):
            yield b"y" * 400

    response = await small_relay.post(f"{scope.prefix}/text-to-image", data=chunks())

    await assert_refused(response, 413, "1024 bytes")


async def test_a_body_at_the_limit_is_forwarded(small_relay, scope):
    body = b'{"prompt":"' + b"z" * (1024 - 13) + b'"}'
    assert len(body) == 1024

    response = await small_relay.post(
        f"{scope.prefix}/text-to-image", data=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "SELF"},
    ],
)
async def test_requests_from_other_sites_are_refused(relay, scope, headers):
    own = f"http://{relay.server.host}:{relay.server.port}"
    headers = {name: own if value == "SELF" else value for name, value in headers.items()}
    requests = [
        relay.post(f"{scope.prefix}/text-to-image", json={"prompt": "x"}, headers=headers),
        relay.post("/livepeer/config", json={"api_key": ""}, headers=headers),
        relay.get("/livepeer/config", headers=headers),
        relay.get("/livepeer/media", params={"url": "x"}, headers=headers),
    ]
    for request in requests:
        await assert_refused(await request, 403, "only pages served by this ComfyUI server")
    assert await scope.log() == []


async def test_the_servers_own_pages_are_served(relay, scope):
    own = f"{relay.server.host}:{relay.server.port}"
    for headers in [
        {},
        {"Origin": f"http://{own}", "Sec-Fetch-Site": "same-origin"},
        {"Origin": f"https://{own}", "X-Forwarded-Proto": "https"},
    ]:
        response = await relay.post(
            f"{scope.prefix}/text-to-image", json={"prompt": "x"}, headers=headers
        )
        assert response.status == 200, headers


@pytest.mark.parametrize(
    "url",
    [
        "",
        "/stream/abc/1.png",
        "GATEWAY/control/x/log",
        "GATEWAY/stream",
        "GATEWAY/stream/",
        "GATEWAY/streamer/abc/1.png",
        "GATEWAY/stream/../control/x/log",
        "GATEWAY/stream/%2e%2e/control/x/log",
        "GATEWAY/stream/abc%2F1.png",
        "GATEWAY/stream/abc/1.png?x=1",
        "OTHER_PORT/stream/abc/1.png",
        "http://127.0.0.2:PORT/stream/abc/1.png",
        "https://127.0.0.1:PORT/stream/abc/1.png",
        "http://user:pw@127.0.0.1:PORT/stream/abc/1.png",
        "file:///etc/passwd",
    ],
)
async def test_media_elsewhere_is_refused(relay, gateway_url, url):
    port = gateway_url.rsplit(":", 1)[1]
    url = (
        url.replace("GATEWAY", gateway_url)
        .replace("OTHER_PORT", f"http://127.0.0.1:{int(port) + 1}")
        .replace("PORT", port)
    )

    response = await relay.get("/livepeer/media", params={"url": url})

    await assert_refused(response, 403, f"{gateway_url}/stream/")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_an_unreachable_gateway_gives_502_naming_it(aiohttp_client, settings_path):
    down = f"http://127.0.0.1:{closed_port()}"
    environ = {"LIVEPEER_GATEWAY_URL": down, "LIVEPEER_API_KEY": KEY}
    relay = await aiohttp_client(relay_app(RelaySettings(settings_path, environ=environ)))

    response = await relay.post("/livepeer/gateway/text-to-image", json={"prompt": "x"})
    await assert_refused(response, 502, f"cannot reach the Livepeer gateway at {down}")

    media = await relay.get("/livepeer/media", params={"url": f"{down}/stream/a/1.png"})
    await assert_refused(media, 502, down)
