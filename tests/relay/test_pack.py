"""The pack's `__init__.py`: what ComfyUI reads, and the relay routes it registers."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]


def import_pack(name: str) -> types.ModuleType:
    """Imports the repository as ComfyUI imports a custom node folder."""
    spec = importlib.util.spec_from_file_location(
        name, ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]
    return module


def test_the_pack_imports_as_a_plain_module_too(monkeypatch):
    """pytest imports the root file this way when the folder's name is not a Python name."""
    monkeypatch.setitem(sys.modules, "server", None)
    monkeypatch.setitem(sys.modules, "folder_paths", None)
    spec = importlib.util.spec_from_file_location("comfyui-livepeer", ROOT / "__init__.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.WEB_DIRECTORY == "./www/extension"


def test_outside_comfyui_the_pack_imports_without_routes(monkeypatch):
    monkeypatch.setitem(sys.modules, "server", None)
    monkeypatch.setitem(sys.modules, "folder_paths", None)

    pack = import_pack("livepeer_pack_alone")

    assert pack.WEB_DIRECTORY == "./www/extension"
    assert pack.NODE_CLASS_MAPPINGS == {} and pack.NODE_DISPLAY_NAME_MAPPINGS == {}
    names = {"WEB_DIRECTORY", "NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"}
    assert set(pack.__all__) == names


def test_inside_comfyui_the_relay_routes_are_registered(monkeypatch, tmp_path):
    routes = web.RouteTableDef()
    server = types.ModuleType("server")
    server.PromptServer = types.SimpleNamespace(  # type: ignore[attr-defined]
        instance=types.SimpleNamespace(routes=routes)
    )
    folder_paths = types.ModuleType("folder_paths")
    folder_paths.get_user_directory = lambda: str(tmp_path)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "server", server)
    monkeypatch.setitem(sys.modules, "folder_paths", folder_paths)

    import_pack("livepeer_pack_in_comfyui")

    registered = {(route.method, route.path) for route in routes}
    assert registered == {
        ("*", "/livepeer/gateway/{path:.*}"),
        ("GET", "/livepeer/media"),
        ("GET", "/livepeer/config"),
        ("POST", "/livepeer/config"),
    }
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("missing", ["server", "folder_paths"])
def test_a_server_module_that_is_not_comfyuis_is_left_alone(monkeypatch, missing):
    monkeypatch.setitem(sys.modules, "server", types.ModuleType("server"))
    monkeypatch.setitem(sys.modules, "folder_paths", types.ModuleType("folder_paths"))
    monkeypatch.setitem(sys.modules, missing, None)

    pack = import_pack(f"livepeer_pack_without_{missing}")

    assert pack.WEB_DIRECTORY == "./www/extension"


def test_routes_survive_comfyuis_copy_under_api():
    """ComfyUI copies each route under /api as `route(m, "/api" + path)(handler, **kwargs)`."""
    from aiohttp import web

    from livepeer_relay import RelaySettings, add_routes

    routes = web.RouteTableDef()
    add_routes(routes, RelaySettings("/nonexistent/settings.json", environ={}))
    api_routes = web.RouteTableDef()
    for route in routes:
        api_routes.route(route.method, "/api" + route.path)(route.handler, **route.kwargs)
    assert len(api_routes) == len(routes) > 0
