"""Mounts the pack's real Livepeer relay (`livepeer_relay` at the repository root).

The relay is given its own settings file in a temporary folder and the gateway URL from
the command line, never the process environment, so a developer's `LIVEPEER_API_KEY`
does not leak into a test. Its routes join ComfyUI's route table, so they also answer
under `/api/`, as inside ComfyUI.
"""

import importlib
import os
import sys

from aiohttp import web


def api_prefixed(routes: web.RouteTableDef) -> web.RouteTableDef:
    """A copy of `routes` under `/api`, made exactly as ComfyUI's `add_routes` makes it.

    Raises TypeError for a route registered with keyword arguments (such as
    `allow_head=False`), as ComfyUI's server does at startup.
    """
    prefixed = web.RouteTableDef()
    for route in routes:
        if isinstance(route, web.RouteDef):
            prefixed.route(route.method, "/api" + route.path)(route.handler, **route.kwargs)
    return prefixed


def mount_relay(routes: web.RouteTableDef, repo_root: str, settings_dir: str,
                gateway: str | None, api_key: str | None) -> str:
    """Adds the relay's routes to `routes`; returns a one-line note on the outcome.

    The routes are left out, and the note says why, when `livepeer_relay` cannot be
    imported from `repo_root` or when ComfyUI could not prefix its routes with `/api`.
    """
    if repo_root not in sys.path:
        sys.path.insert(0, repo_root)
    try:
        relay = importlib.import_module("livepeer_relay")
    except ModuleNotFoundError as err:
        return f"relay: not mounted: {err}"

    environ = {"LIVEPEER_GATEWAY_URL": gateway} if gateway else {}
    settings = relay.RelaySettings(os.path.join(settings_dir, "comfyui-livepeer.json"),
                                   environ=environ)
    if api_key:
        settings.update({"api_key": api_key})
    relay_routes = web.RouteTableDef()
    relay.add_routes(relay_routes, settings)
    try:
        api_prefixed(relay_routes)
    except TypeError as err:
        return ("relay: not mounted: ComfyUI's server.py would fail to start with these "
                f"routes, its /api prefixing raises TypeError: {err}")
    for route in relay_routes:
        routes.route(route.method, route.path, **route.kwargs)(route.handler)
    return f"relay: mounted, gateway {settings.gateway_url}"
