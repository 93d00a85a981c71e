"""The `/ws` WebSocket: one socket per client id, and sending events to one or all.

Like ComfyUI's `websocket_handler`: a client that connects with `?clientId=X` gets the
session id X back (a new one otherwise) in its first `status` message, and a first
`feature_flags` message from the client is answered with the server's own flags.
"""

import json
import logging
import uuid

import aiohttp
from aiohttp import web

MAX_UPLOAD_SIZE = 100 * 1024 * 1024
SERVER_FEATURES = {"supports_preview_metadata": True, "max_upload_size": MAX_UPLOAD_SIZE}


class SocketHub:
    """The open sockets by session id, and the queue length the status messages report."""

    def __init__(self, queue_remaining):
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.queue_remaining = queue_remaining

    def status(self) -> dict:
        """The `status` payload: `{"exec_info": {"queue_remaining": N}}`."""
        return {"exec_info": {"queue_remaining": self.queue_remaining()}}

    async def send(self, event: str, data, sid: str | None = None) -> None:
        """Sends `{"type": event, "data": data}` to `sid`, or to every socket if None.

        A socket that closed meanwhile is skipped.
        """
        message = {"type": event, "data": data}
        targets = list(self.sockets.values()) if sid is None else [self.sockets.get(sid)]
        for ws in targets:
            if ws is None or ws.closed:
                continue
            try:
                await ws.send_json(message)
            except (aiohttp.ClientError, ConnectionError) as err:
                logging.warning("send error: %s", err)

    async def broadcast_status(self) -> None:
        """Tells every client the current queue length."""
        await self.send("status", {"status": self.status()})

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        sid = request.rel_url.query.get("clientId", "") or uuid.uuid4().hex
        self.sockets[sid] = ws
        try:
            await self.send("status", {"status": self.status(), "sid": sid}, sid)
            first = True
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except json.JSONDecodeError:
                    logging.warning("invalid JSON from client %s", sid)
                    continue
                if first and isinstance(data, dict) and data.get("type") == "feature_flags":
                    await self.send("feature_flags", SERVER_FEATURES, sid)
                first = False
        finally:
            if self.sockets.get(sid) is ws:
                del self.sockets[sid]
        return ws


def add_routes(routes: web.RouteTableDef, hub: SocketHub) -> None:
    """Registers `GET /ws` and `GET /features`."""
    routes.get("/ws")(hub.handle)

    @routes.get("/features")
    async def features(request: web.Request) -> web.Response:
        return web.json_response(SERVER_FEATURES)
