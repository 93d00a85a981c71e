"""ComfyUI entry point of the comfyui-livepeer pack.

ComfyUI loads the extension under `WEB_DIRECTORY` into its page; the Livepeer nodes are
frontend-only, so no Python node classes are registered. Inside ComfyUI, importing the
pack also adds the Livepeer relay's routes to ComfyUI's server, with settings stored in
ComfyUI's user directory. Elsewhere the import does nothing more. It does no network
I/O either way.
"""

try:
    from .livepeer_relay import RelaySettings, add_routes
except ImportError:
    # Imported outside its package, as pytest imports this file when the checkout's
    # folder name (such as comfyui-livepeer) is not a Python name; the tests put the
    # repository on the path.
    from livepeer_relay import RelaySettings, add_routes  # type: ignore[no-redef]

WEB_DIRECTORY = "./www/extension"
NODE_CLASS_MAPPINGS: dict = {}
NODE_DISPLAY_NAME_MAPPINGS: dict = {}

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "WEB_DIRECTORY"]


def _register_relay() -> None:
    """Adds the relay's routes when ComfyUI's `server` and `folder_paths` are importable."""
    try:
        import folder_paths
        import server
    except ImportError:
        return
    prompt_server = getattr(getattr(server, "PromptServer", None), "instance", None)
    if prompt_server is None:
        return
    settings = RelaySettings.in_user_directory(folder_paths.get_user_directory())
    add_routes(prompt_server.routes, settings)


_register_relay()
