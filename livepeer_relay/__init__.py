"""The Livepeer relay: aiohttp routes that forward a page's gateway calls with a key.

Mount it on any aiohttp app, ComfyUI's included::

    settings = RelaySettings.in_user_directory(folder_paths.get_user_directory())
    add_routes(PromptServer.instance.routes, settings)

`relay` holds the routes, `settings` where the gateway URL and the key come from.
"""

from .relay import PIPELINES, add_routes, error_response, make_routes
from .settings import (
    DEFAULT_GATEWAY_URL,
    DEFAULT_MAX_BODY_BYTES,
    RelaySettings,
    SettingsError,
)

__all__ = [
    "DEFAULT_GATEWAY_URL",
    "DEFAULT_MAX_BODY_BYTES",
    "PIPELINES",
    "RelaySettings",
    "SettingsError",
    "add_routes",
    "error_response",
    "make_routes",
]
