"""The relay's HTTP routes: the page's Livepeer calls go out with the server's API key.

Routes, mountable on any aiohttp app (inside ComfyUI they also answer under `/api/`):

- `/livepeer/gateway/<path>`: forwards a gateway API call to `<gateway URL>/<path>`.
  Only the ten pipelines and `image-to-video/result` (POST) and
  `live/video-to-video/<stream>/status` (GET) are forwarded, each optionally after
  `s/<scope>/` (the local gateway's test scopes). The body and the answer are streamed;
  `Content-Type`, `Prefer` and `Accept` go out, `Content-Type`, `Retry-After` and
  `Cache-Control` come back. A query string is not forwarded.
- `GET /livepeer/media?url=<url>`: fetches a result file under `/stream/` on the
  gateway's own origin.
- `GET /livepeer/config`, `POST /livepeer/config`: read or change the gateway URL and
  the stored key (see `settings`); the key itself is never answered.

Every refusal is JSON shaped like the gateway's own errors, `{"detail": {"msg": ...}}`.
A request from another site is refused: an `Origin` other than the server's own, or
`Sec-Fetch-Site: cross-site`. The relay never follows a redirect, never sends the key
anywhere but the configured gateway, and never logs the key or a body.

The relay cannot tell when the page gives up on a request: the call to the gateway runs
until the gateway answers, and only then finds the page gone.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web
from yarl import URL

from .settings import RelaySettings, SettingsError

PIPELINES = (
    "text-to-image",
    "image-to-image",
    "image-to-video",
    "upscale",
    "audio-to-text",
    "segment-anything-2",
    "llm",
    "image-to-text",
    "live-video-to-video",
    "text-to-speech",
)
FORWARDED_REQUEST_HEADERS = ("Content-Type", "Prefer", "Accept")
RETURNED_HEADERS = ("Content-Type", "Retry-After", "Cache-Control")
CONNECT_TIMEOUT_S = 30
CONFIG_BODY_LIMIT = 64 * 1024

_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*")
_API_PATH = re.compile(
    r"(?:s/[A-Za-z0-9_-]{1,64}/)?"
    r"(?:(?P<post>(?:" + "|".join(map(re.escape, PIPELINES)) + r")|image-to-video/result)"
    r"|(?P<get>live/video-to-video/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}/status))"
)
_STREAM_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9_.-]*"
_STREAM_PATH = re.compile(rf"/stream/{_STREAM_SEGMENT}(?:/{_STREAM_SEGMENT})*")

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, msg: str, **headers: str) -> web.Response:
    """A JSON error in the gateway's `HTTPError` shape: `{"detail": {"msg": msg}}`."""
    return web.json_response({"detail": {"msg": msg}}, status=status, headers=headers)


def make_routes(settings: RelaySettings) -> list[web.RouteDef]:
    """The relay's routes, reading `settings` on every request."""
    relay = _Relay(settings)
    return [
        web.route("*", "/livepeer/gateway/{path:.*}", _same_origin_only(relay.gateway)),
        web.get("/livepeer/media", _same_origin_only(relay.media), allow_head=False),
        web.get("/livepeer/config", _same_origin_only(relay.read_config), allow_head=False),
        web.post("/livepeer/config", _same_origin_only(relay.write_config)),
    ]


def add_routes(routes: web.RouteTableDef, settings: RelaySettings) -> None:
    """Adds the relay's routes to `routes`, such as `PromptServer.instance.routes`.

    They are added without keyword arguments: ComfyUI copies every route of its table
    under `/api` by calling `route(method, "/api" + path)(handler, **kwargs)`, which
    accepts none.
    """
    for route in make_routes(settings):
        routes.route(route.method, route.path)(route.handler)


def _same_origin_only(handler: Handler) -> Handler:
    """Refuses, with 403, a request that another web site made the browser send."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site" or (
            origin is not None and origin.lower() not in _own_origins(request)
        ):
            return error_response(
                403, "the Livepeer relay answers only pages served by this ComfyUI server"
            )
        return await handler(request)

    return guarded


def _own_origins(request: web.Request) -> set[str]:
    """`scheme://Host` of this server, also with the scheme a TLS proxy says it used.

    A page cannot send `X-Forwarded-Proto` across sites without a preflight, which the
    relay never approves, and the host must match either way.
    """
    host = request.host.lower()
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
    schemes = {request.scheme, forwarded}
    return {f"{scheme.lower()}://{host}" for scheme in schemes if scheme}


class _BodyTooLarge(Exception):
    pass


class _LimitedBody:
    """A request body streamed in chunks, stopped once it passes `limit` bytes."""

    def __init__(self, request: web.Request, limit: int) -> None:
        self.request = request
        self.limit = limit
        self.too_large = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self.request.content.iter_chunked(64 * 1024):
            seen += len(chunk)
            if seen > self.limit:
                self.too_large = True
                raise _BodyTooLarge
            yield chunk

    async def read(self) -> bytes:
        """The whole body; raises `_BodyTooLarge` past the limit."""
        return b"".join([chunk async for chunk in self])


class _Relay:
    """The handlers, sharing one `RelaySettings`."""

    def __init__(self, settings: RelaySettings) -> None:
        self.settings = settings

    async def gateway(self, request: web.Request) -> web.StreamResponse:
        """Forwards one allowed gateway API call; see the module docs."""
        path = _plain_tail(request)
        if path is None:
            return error_response(400, "the Livepeer relay forwards only plain gateway API paths")
        match = _API_PATH.fullmatch(path)
        if match is None:
            return error_response(404, f"/{path} is not a Livepeer gateway API path")
        method = "GET" if match["get"] else "POST"
        if request.method != method:
            return error_response(405, f"/{path} takes {method}", Allow=method)

        body = None
        headers = self._upstream_headers(request)
        if method == "POST":
            limit = self.settings.max_body_bytes
            if (request.content_length or 0) > limit:
                return _too_large(limit)
            if request.content_length is not None:
                headers["Content-Length"] = str(request.content_length)
            body = _LimitedBody(request, limit)

        url = URL(f"{self.settings.gateway_url}/{path}", encoded=True)
        return await self._forward(request, method, url, headers, body)

    async def media(self, request: web.Request) -> web.StreamResponse:
        """Fetches a result file from the gateway's `/stream/`; 403 for any other URL."""
        gateway = URL(self.settings.gateway_url)
        url = _media_url(request.query.get("url", ""), gateway)
        if url is None:
            origin = str(gateway.origin())
            return error_response(
                403, f"the Livepeer relay fetches only files under {origin}/stream/"
            )
        headers = self._upstream_headers(request)
        headers.pop("Content-Type", None)
        headers.pop("Prefer", None)
        return await self._forward(request, "GET", url, headers, None)

    async def read_config(self, request: web.Request) -> web.Response:
        """The gateway URL, whether a key is set and where from, the body limit."""
        return web.json_response(self.settings.public())

    async def write_config(self, request: web.Request) -> web.Response:
        """Changes the gateway URL or the stored key; answers like `read_config`."""
        if (request.content_length or 0) > CONFIG_BODY_LIMIT:
            return _too_large(CONFIG_BODY_LIMIT)
        try:
            change = json.loads(await _LimitedBody(request, CONFIG_BODY_LIMIT).read())
        except _BodyTooLarge:
            return _too_large(CONFIG_BODY_LIMIT)
        except ValueError:
            return error_response(400, "the settings must be a JSON object")
        if not isinstance(change, dict):
            return error_response(400, "the settings must be a JSON object")

        try:
            self.settings.update(change)
        except SettingsError as err:
            return error_response(err.status, err.msg)
        except OSError as err:
            where = self.settings.path.parent
            return error_response(500, f"cannot store the settings in {where}: {err.strerror}")
        return web.json_response(self.settings.public())

    def _upstream_headers(self, request: web.Request) -> dict[str, str]:
        headers = {
            name: request.headers[name]
            for name in FORWARDED_REQUEST_HEADERS
            if name in request.headers
        }
        key = self.settings.api_key
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    async def _forward(
        self,
        request: web.Request,
        method: str,
        url: URL,
        headers: dict[str, str],
        body: _LimitedBody | None,
    ) -> web.StreamResponse:
        """Sends the call, then streams the gateway's answer back to the page."""
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                upstream = await session.request(
                    method, url, headers=headers, data=body, allow_redirects=False
                )
            except (aiohttp.ClientError, asyncio.TimeoutError, _BodyTooLarge) as err:
                if body is not None and body.too_large:
                    return _too_large(body.limit)
                return self._unreachable(err)

            async with upstream:
                if body is not None and body.too_large:
                    return _too_large(body.limit)
                if 300 <= upstream.status < 400:
                    return error_response(
                        502,
                        "the gateway answered with a redirect, which the relay does not follow",
                    )
                return await _stream_back(request, upstream)

    def _unreachable(self, err: BaseException) -> web.Response:
        gateway = self.settings.gateway_url
        reason = str(err) or type(err).__name__
        log.warning("Livepeer relay: cannot reach the gateway at %s: %s", gateway, reason)
        return error_response(502, f"cannot reach the Livepeer gateway at {gateway}: {reason}")


async def _stream_back(
    request: web.Request, upstream: aiohttp.ClientResponse
) -> web.StreamResponse:
    """Sends the gateway's status, chosen headers and body, chunk by chunk as it comes.

    When the gateway breaks off mid-answer, the page's connection is cut too, so the page
    sees an incomplete answer rather than a short one that looks whole.
    """
    response = web.StreamResponse(status=upstream.status)
    for name in RETURNED_HEADERS:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    try:
        await response.prepare(request)
        async for chunk in upstream.content.iter_any():
            await response.write(chunk)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        if request.transport is not None:
            request.transport.abort()
        return response
    except ConnectionError:
        return response
    await response.write_eof()
    return response


def _plain_tail(request: web.Request) -> str | None:
    """The path after `/livepeer/gateway/`, or None unless it was sent as plain text.

    Plain means letters, digits, `_`, `.`, `-` and single slashes, no `.` or `..`
    segment, and nothing percent-encoded: the raw path must end with it as decoded.
    """
    path = request.match_info.get("path", "")
    raw = request.raw_path.split("?", 1)[0]
    if not raw.endswith("/" + path) or not _PLAIN_PATH.fullmatch(path):
        return None
    if any(segment in (".", "..") for segment in path.split("/")):
        return None
    return path


def _media_url(raw: str, gateway: URL) -> URL | None:
    """`raw` as a URL if it names a file under `/stream/` on `gateway`'s origin."""
    try:
        url = URL(raw)
    except ValueError:
        return None
    if not url.absolute or url.user or url.password or url.raw_query_string or url.fragment:
        return None
    same_origin = (
        url.scheme == gateway.scheme
        and (url.host or "").lower() == (gateway.host or "").lower()
        and url.port == gateway.port
    )
    if not same_origin or not _STREAM_PATH.fullmatch(url.raw_path):
        return None
    return url


def _too_large(limit: int) -> web.Response:
    return error_response(413, f"the request body is larger than the relay's {limit} bytes")
