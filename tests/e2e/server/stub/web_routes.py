"""The page, its static files, the extension list and the small informational routes.

`/extensions` lists every `.js` file under the frontend's own `extensions/` folder and
every `.js` file under each pack's web folder, recursively, as `/extensions/<pack>/<path>`
(server.py `get_extensions`); the frontend imports every one of them as a module.
"""

import glob
import mimetypes
import os
import sys
import urllib.parse

from aiohttp import web

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("image/webp", ".webp")


def _js_files(root: str) -> list[str]:
    files = glob.glob(os.path.join(glob.escape(root), "**", "*.js"), recursive=True)
    return sorted(os.path.relpath(f, root).replace("\\", "/") for f in files)


def extension_list(web_root: str, packs: dict[str, str]) -> list[str]:
    """The URL paths `GET /extensions` returns for the frontend and the packs."""
    paths = ["/extensions/" + p for p in _js_files(os.path.join(web_root, "extensions"))]
    for name, folder in packs.items():
        prefix = "/extensions/" + urllib.parse.quote(name) + "/"
        paths.extend(prefix + p for p in _js_files(folder))
    return paths


def add_routes(routes: web.RouteTableDef, web_root: str, packs: dict[str, str],
               frontend_version: str | None) -> None:
    """Registers `/`, `/extensions`, `/system_stats` and the routes that may answer empty."""

    @routes.get("/")
    async def index(request: web.Request) -> web.FileResponse:
        response = web.FileResponse(os.path.join(web_root, "index.html"))
        response.headers["Cache-Control"] = "no-store, must-revalidate"
        response.headers["Pragma"] = "no-cache"
        response.headers["Expires"] = "0"
        return response

    @routes.get("/extensions")
    async def extensions(request: web.Request) -> web.Response:
        return web.json_response(extension_list(web_root, packs))

    @routes.get("/system_stats")
    async def system_stats(request: web.Request) -> web.Response:
        return web.json_response({
            "system": {
                "os": sys.platform,
                "ram_total": 0,
                "ram_free": 0,
                "comfyui_version": "0.3.64",
                "required_frontend_version": frontend_version or "",
                "python_version": sys.version,
                "pytorch_version": "none",
                "embedded_python": False,
                "argv": ["main.py"],
            },
            "devices": [],
        })

    empty_answers = {
        "/i18n": {},
        "/embeddings": [],
        "/models": [],
        "/experiment/models": [],
        "/workflow_templates": {},
        "/global_subgraphs": {},
    }
    for path, answer in empty_answers.items():
        routes.get(path)(_constant(answer))


def _constant(answer):
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(answer)
    return handler


def add_static(app: web.Application, web_root: str, packs: dict[str, str]) -> None:
    """Serves each pack at `/extensions/<pack>` and the frontend at `/`, after all routes."""
    for name, folder in packs.items():
        app.router.add_static("/extensions/" + name, folder)
    app.router.add_static("/", web_root)
