"""The single user's routes: `/users`, `/settings` and `/userdata`, kept in memory.

As in ComfyUI's single-user mode (app/user_manager.py, app/app_settings.py): `/users`
answers `{"storage": "server", "migrated": true}` with no `users` key, so the frontend
skips its login screen; `/settings` reads and writes one dictionary; `/userdata` stores
files by path (a listing of a folder that holds none is `[]`, a missing file is 404).
"""

import json
import time

from aiohttp import web


class UserData:
    """The user's settings and files; nothing is written to disk."""

    def __init__(self, settings: dict):
        self.settings = dict(settings)
        self.files: dict[str, tuple[bytes, float]] = {}


def add_routes(routes: web.RouteTableDef, user: UserData) -> None:
    """Registers the user, settings and userdata routes."""

    @routes.get("/users")
    async def get_users(request: web.Request) -> web.Response:
        return web.json_response({"storage": "server", "migrated": True})

    @routes.get("/settings")
    async def get_settings(request: web.Request) -> web.Response:
        return web.json_response(user.settings)

    @routes.get("/settings/{id}")
    async def get_setting(request: web.Request) -> web.Response:
        return web.json_response(user.settings.get(request.match_info["id"]))

    @routes.post("/settings")
    async def post_settings(request: web.Request) -> web.Response:
        user.settings.update(await request.json())
        return web.Response(status=200)

    @routes.post("/settings/{id}")
    async def post_setting(request: web.Request) -> web.Response:
        user.settings[request.match_info["id"]] = await request.json()
        return web.Response(status=200)

    @routes.get("/userdata")
    async def list_userdata(request: web.Request) -> web.Response:
        query = request.rel_url.query
        folder = query.get("dir", "").strip("/")
        if not folder:
            return web.Response(status=400)
        prefix = folder + "/"
        names = sorted(p[len(prefix):] for p in user.files if p.startswith(prefix))
        if query.get("recurse") != "true":
            names = [n for n in names if "/" not in n]
        if query.get("full_info") == "true":
            return web.json_response([
                {"path": n, "size": len(user.files[prefix + n][0]),
                 "modified": user.files[prefix + n][1]} for n in names])
        return web.json_response(names)

    @routes.get("/userdata/{file}")
    async def get_userdata(request: web.Request) -> web.Response:
        stored = user.files.get(request.match_info["file"])
        if stored is None:
            return web.Response(status=404)
        return web.Response(body=stored[0], content_type="application/octet-stream")

    @routes.post("/userdata/{file}")
    async def post_userdata(request: web.Request) -> web.Response:
        path = request.match_info["file"]
        if path in user.files and request.rel_url.query.get("overwrite") == "false":
            return web.Response(status=409, text="File already exists")
        user.files[path] = (await request.read(), time.time())
        if request.rel_url.query.get("full_info") == "true":
            body, modified = user.files[path]
            return web.json_response({"path": path, "size": len(body), "modified": modified})
        return web.json_response(path)

    @routes.delete("/userdata/{file}")
    async def delete_userdata(request: web.Request) -> web.Response:
        if user.files.pop(request.match_info["file"], None) is None:
            return web.Response(status=404)
        return web.Response(status=204)


def load_settings_file(path: str | None) -> dict:
    """The settings in a JSON file, or `{}` without a file."""
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)
