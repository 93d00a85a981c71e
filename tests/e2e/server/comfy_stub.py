"""A ComfyUI server for end-to-end tests: the real frontend, ComfyUI's API, no models.

    python3 comfy_stub.py --frontend <static dir> [--pack <repo root>] [--port 0]
        [--input-dir <dir>] [--gateway <url>] [--api-key <key>] [--settings <json>]

Serves the frontend build in `--frontend` (a `comfyui_frontend_package/static` folder),
the pack's `<repo>/www/extension` folder at `/extensions/comfyui-livepeer/`, and
ComfyUI's routes with ComfyUI's shapes; every route also answers under `/api/` as in
ComfyUI. Prompts are validated like ComfyUI validates them and "executed" by sending
ComfyUI's WebSocket events. The Livepeer relay from the repository is mounted when it
can be imported. It listens on 127.0.0.1 only. On stdout it prints a `pack:` line when
the pack has no web folder, a `relay:` line on the relay, then, once ready,
`listening on http://127.0.0.1:<port>`.

Settings start as `Comfy.TutorialCompleted: true` and
`Comfy.Notification.ShowVersionUpdates: false` (no outside update check); for a frontend
older than 1.28 also the three canvas settings without which 1.27.x throws at every
load; the `--settings` file's values go on top. Output and temp files live in a
temporary folder removed at exit, as is the input folder when `--input-dir` is not given.
"""

import argparse
import asyncio
import glob
import os
import re
import shutil
import signal
import sys
import tempfile

from aiohttp import web

from stub import files, prompt_routes, sockets, user_routes, web_routes
from stub.queue import PromptQueue
from stub.relay_mount import api_prefixed, mount_relay

PACK_NAME = "comfyui-livepeer"
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

BASE_SETTINGS = {
    "Comfy.TutorialCompleted": True,
    "Comfy.Notification.ShowVersionUpdates": False,
}
LEGACY_CANVAS_SETTINGS = {
    "Comfy.Canvas.NavigationMode": "legacy",
    "Comfy.Canvas.LeftMouseClickBehavior": "panning",
    "Comfy.Canvas.MouseWheelScroll": "zoom",
}


def frontend_version(static_dir: str) -> str | None:
    """The version of the pip-installed frontend package that holds `static_dir`."""
    site = os.path.dirname(os.path.dirname(os.path.abspath(static_dir)))
    for metadata in glob.glob(os.path.join(site, "comfyui_frontend_package-*.dist-info",
                                           "METADATA")):
        with open(metadata, encoding="utf-8") as f:
            match = re.search(r"^Version: (\S+)$", f.read(), re.MULTILINE)
        if match:
            return match.group(1)
    return None


def initial_settings(version: str | None, settings_file: str | None) -> dict:
    settings = dict(BASE_SETTINGS)
    numbers = tuple(int(n) for n in re.findall(r"\d+", version or "")[:2])
    if numbers and numbers < (1, 28):
        settings.update(LEGACY_CANVAS_SETTINGS)
    settings.update(user_routes.load_settings_file(settings_file))
    return settings


def build_app(args: argparse.Namespace, work_dir: str) -> tuple[web.Application, str]:
    """The application and a note on the relay."""
    web_root = os.path.abspath(args.frontend)
    version = frontend_version(web_root)
    packs = {}
    if args.pack:
        pack_web = os.path.join(os.path.abspath(args.pack), "www", "extension")
        if os.path.isdir(pack_web):
            packs[PACK_NAME] = pack_web
        else:
            print(f"pack: {pack_web} is not a folder, nothing served", flush=True)

    input_dir = args.input_dir or os.path.join(work_dir, "input")
    folders = files.Folders(input_dir, os.path.join(work_dir, "output"),
                            os.path.join(work_dir, "temp"))
    queue = PromptQueue(folders, args.node_delay)
    user = user_routes.UserData(initial_settings(version, args.settings))

    routes = web.RouteTableDef()
    sockets.add_routes(routes, queue.hub)
    web_routes.add_routes(routes, web_root, packs, version)
    user_routes.add_routes(routes, user)
    files.add_routes(routes, folders)
    prompt_routes.add_routes(routes, queue, folders)
    relay_note = mount_relay(routes, REPO_ROOT, os.path.join(work_dir, "user"),
                             args.gateway, args.api_key)

    app = web.Application(client_max_size=sockets.MAX_UPLOAD_SIZE)
    app.add_routes(api_prefixed(routes))
    app.add_routes(routes)
    only_api = web.RouteTableDef()
    prompt_routes.add_api_only_routes(only_api, queue)
    app.add_routes(only_api)
    prompt_routes.add_test_routes(app, queue)
    web_routes.add_static(app, web_root, packs)

    async def start_worker(app: web.Application):
        worker = asyncio.create_task(queue.run_forever())
        yield
        worker.cancel()

    app.cleanup_ctx.append(start_worker)
    return app, relay_note


async def serve(args: argparse.Namespace, work_dir: str) -> None:
    app, relay_note = build_app(args, work_dir)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = runner.addresses[0][1]
    print(relay_note, flush=True)
    print(f"listening on http://127.0.0.1:{port}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--frontend", required=True,
                        help="the frontend's static folder (comfyui_frontend_package/static)")
    parser.add_argument("--pack", help="a repository root whose www/extension is served")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--input-dir", help="ComfyUI's input folder (default: a temp folder)")
    parser.add_argument("--gateway", help="the gateway URL the Livepeer relay forwards to")
    parser.add_argument("--api-key", help="an API key to store in the relay's settings")
    parser.add_argument("--settings", help="a JSON file of user settings to seed")
    parser.add_argument("--node-delay", type=float, default=0.0,
                        help="seconds each executed node takes")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args(sys.argv[1:])
    work_dir = tempfile.mkdtemp(prefix="comfy-stub-")
    try:
        asyncio.run(serve(args, work_dir))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
