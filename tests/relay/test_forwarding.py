"""What the relay forwards: bodies and answers, streamed, with the key and chosen headers."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from helpers import KEY, Scope, assert_no_key, relay_app

from livepeer_relay import RelaySettings

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def text_to_image(relay: Any, scope: Scope, **headers: str) -> Any:
    body = {"prompt": "a red fox", "seed": 7, "width": 64, "height": 64}
    return await relay.post(f"{scope.prefix}/text-to-image", json=body, headers=headers)


async def test_json_is_forwarded_with_the_key_in_place_of_the_pages(relay, scope):
    await scope.require_key()

    response = await text_to_image(relay, scope, Authorization="Bearer not-the-key")

    body = await response.read()
    assert response.status == 200, body
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(body)["images"][0]["url"].startswith(f"{scope.gateway_url}/stream/")
    assert [(r["authorization"], r["status"]) for r in await scope.log()] == [(True, 200)]
    assert_no_key(body, response.headers)


async def test_without_a_key_the_pages_authorization_is_not_forwarded(
    aiohttp_client, settings_path, gateway_url, scope
):
    settings = RelaySettings(settings_path, environ={"LIVEPEER_GATEWAY_URL": gateway_url})
    relay = await aiohttp_client(relay_app(settings))

    response = await text_to_image(relay, scope, Authorization="Bearer page-key")

    assert response.status == 200
    assert [r["authorization"] for r in await scope.log()] == [False]


async def test_multipart_uploads_and_media_pass_through(relay, scope):
    await scope.require_key()
    first = await (await text_to_image(relay, scope)).json()
    media = await relay.get("/livepeer/media", params={"url": first["images"][0]["url"]})
    png = await media.read()
    assert media.status == 200
    assert media.headers["Content-Type"] == "image/png"
    assert png.startswith(PNG_MAGIC)

    form = aiohttp.FormData()
    form.add_field("prompt", "the same fox, in blue")
    form.add_field("image", png, filename="fox.png", content_type="image/png")
    form.add_field("seed", "3")
    response = await relay.post(f"{scope.prefix}/image-to-image", data=form)

    answer = await response.json()
    assert response.status == 200, answer
    assert answer["images"][0]["seed"] == 3
    second = await relay.get("/livepeer/media", params={"url": answer["images"][0]["url"]})
    assert (await second.read()).startswith(PNG_MAGIC)
    assert [r["path"] for r in await scope.log()] == ["/text-to-image", "/image-to-image"]


async def test_llm_events_arrive_one_by_one_before_the_stream_ends(relay, scope):
    body = {
        "messages": [{"role": "user", "content": "tell me about foxes"}],
        "max_tokens": 40,
        "stream": True,
    }
    started = time.monotonic()
    response = await relay.post(f"{scope.prefix}/llm", json=body)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")

    arrivals = []
    chunks = []
    async for chunk in response.content.iter_any():
        arrivals.append(time.monotonic() - started)
        chunks.append(chunk)

    text = b"".join(chunks).decode()
    assert text.count("data: ") == 41
    assert text.rstrip().endswith("data: [DONE]")
    assert len(chunks) >= 5
    assert arrivals[-1] - arrivals[0] > 0.4, arrivals


async def test_rate_limits_pass_through_with_retry_after(relay, scope):
    await scope.faults({"kind": "status", "status": 429, "retry_after": "2"})

    response = await text_to_image(relay, scope)

    assert response.status == 429
    assert response.headers["Retry-After"] == "2"
    assert "msg" in (await response.json())["detail"]


async def test_the_gateways_401_passes_through(relay, scope):
    await scope.require_key("another-key")

    response = await text_to_image(relay, scope)

    assert response.status == 401
    assert (await response.json()) == {"detail": {"msg": "Invalid bearer token"}}


async def test_live_status_is_forwarded_as_get(relay, scope):
    response = await relay.get("/livepeer/gateway/live/video-to-video/no-such-stream/status")

    assert response.status == 404
    assert "msg" in (await response.json())["detail"]


async def test_routes_also_answer_under_api_as_in_comfyui(aiohttp_client, settings, scope):
    relay = await aiohttp_client(relay_app(settings, api_prefix=True))

    response = await relay.post(
        f"/api{scope.prefix}/text-to-image", json={"prompt": "a fox", "width": 64}
    )

    assert response.status == 200
    config = await relay.get("/api/livepeer/config")
    assert (await config.json())["api_key_set"] is True


class Recorder:
    """A stand-in gateway that reports the headers it got, and answers with extras."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    async def pipeline(self, request: web.Request) -> web.Response:
        seen = dict(request.headers)
        seen["body"] = (await request.read()).decode()
        self.seen.append(seen)
        headers = {
            "Retry-After": "5",
            "Cache-Control": "no-store",
            "Set-Cookie": "session=gateway",
            "X-Gateway-Internal": "yes",
        }
        return web.json_response({"ok": True}, status=503, headers=headers)

    async def broken_stream(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(b"data: first\n\n")
        assert request.transport is not None
        request.transport.abort()
        return response

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/text-to-image", self.pipeline)
        app.router.add_post("/llm", self.broken_stream)
        return app


@pytest.fixture
async def recorder(aiohttp_server, settings_path) -> tuple[Recorder, RelaySettings]:
    recorder = Recorder()
    server = await aiohttp_server(recorder.app())
    upstream = str(server.make_url("")).rstrip("/")
    environ = {"LIVEPEER_GATEWAY_URL": upstream, "LIVEPEER_API_KEY": KEY}
    return recorder, RelaySettings(settings_path, environ=environ)


async def test_only_chosen_headers_go_out_and_come_back(aiohttp_client, recorder):
    recorder, settings = recorder
    relay = await aiohttp_client(relay_app(settings))
    sent = {
        "Content-Type": "application/json",
        "Prefer": "respond-async",
        "Accept": "application/json",
        "Authorization": "Bearer page-key",
        "Cookie": "comfy=session",
        "X-Page": "1",
    }

    response = await relay.post(
        "/livepeer/gateway/text-to-image?debug=1", data='{"prompt":"x"}', headers=sent
    )

    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert "X-Gateway-Internal" not in response.headers
    [seen] = recorder.seen
    assert seen["Authorization"] == f"Bearer {KEY}"
    assert seen["Prefer"] == "respond-async"
    assert seen["Accept"] == "application/json"
    assert seen["Content-Type"] == "application/json"
    assert seen["body"] == '{"prompt":"x"}'
    assert "Cookie" not in seen and "X-Page" not in seen


async def test_a_stream_cut_by_the_gateway_is_cut_for_the_page(aiohttp_client, recorder):
    recorder, settings = recorder
    relay = await aiohttp_client(relay_app(settings))

    response = await relay.post("/livepeer/gateway/llm", json={"stream": True})

    assert response.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()
