"""Where the relay's gateway URL and API key come from, and how the key is stored.

The gateway URL is the one stored from the page, else `LIVEPEER_GATEWAY_URL`, else
`http://127.0.0.1:8935`. The API key is `LIVEPEER_API_KEY` when that is set; else the
key stored from the page. Stored values live in one JSON file, `comfyui-livepeer.json`
in ComfyUI's user directory (beside the per-user folders, so ComfyUI's userdata routes
never serve it), written atomically with mode 0600.

This module never logs or returns the key except through `RelaySettings.api_key`, which
only the relay reads to build the `Authorization` header.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from yarl import URL

DEFAULT_GATEWAY_URL = "http://127.0.0.1:8935"
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
SETTINGS_FILE_NAME = "comfyui-livepeer.json"
GATEWAY_URL_ENV = "LIVEPEER_GATEWAY_URL"
API_KEY_ENV = "LIVEPEER_API_KEY"

_KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,4096}")

log = logging.getLogger(__name__)


class SettingsError(ValueError):
    """A settings change the relay refuses; `status` is the HTTP status to answer."""

    def __init__(self, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.msg = msg
        self.status = status


def check_gateway_url(value: Any) -> str:
    """Returns `value` as a gateway URL without a trailing slash.

    Raises `SettingsError` unless it is an http(s) URL with a host and without user
    info, query or fragment.
    """
    problem = "gateway_url must be an http or https URL with a host"
    if not isinstance(value, str):
        raise SettingsError(problem)
    try:
        url = URL(value.strip())
    except ValueError as err:
        raise SettingsError(problem) from err
    plain = not (url.user or url.password or url.query_string or url.fragment)
    if url.scheme not in ("http", "https") or not url.host or not plain:
        raise SettingsError(problem)
    return str(url.with_query(None).with_fragment(None)).rstrip("/")


def check_api_key(value: Any) -> str:
    """Returns `value` if it can be sent as a bearer token; raises `SettingsError` if not."""
    if not isinstance(value, str) or not _KEY_PATTERN.fullmatch(value):
        raise SettingsError("api_key must be 1 to 4096 printable ASCII characters without spaces")
    return value


class RelaySettings:
    """The relay's gateway URL, API key and body limit.

    `path` is the settings file; `environ` is read once, here (the process
    environment when omitted). The file is read on first use and rewritten on each
    change.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        environ: Mapping[str, str] | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        environ = os.environ if environ is None else environ
        self.path = Path(path)
        self.max_body_bytes = max_body_bytes
        self._env_url = _env_gateway_url(environ)
        self._env_key = _env_api_key(environ)
        self._stored: dict[str, str] | None = None

    @classmethod
    def in_user_directory(cls, user_directory: str | os.PathLike[str]) -> RelaySettings:
        """Settings stored in `<user_directory>/comfyui-livepeer.json`."""
        return cls(Path(user_directory) / SETTINGS_FILE_NAME)

    @property
    def gateway_url(self) -> str:
        """The gateway's base URL, without a trailing slash."""
        stored = self._load().get("gateway_url")
        return stored or self._env_url or DEFAULT_GATEWAY_URL

    @property
    def api_key(self) -> str | None:
        """The key to send as `Authorization: Bearer <key>`, or None."""
        return self._env_key or self._load().get("api_key")

    @property
    def api_key_source(self) -> str | None:
        """`"env"`, `"file"` or None: where `api_key` comes from."""
        if self._env_key:
            return "env"
        return "file" if self._load().get("api_key") else None

    def public(self) -> dict[str, Any]:
        """What `GET /livepeer/config` answers: everything but the key itself."""
        return {
            "gateway_url": self.gateway_url,
            "api_key_set": self.api_key is not None,
            "api_key_source": self.api_key_source,
            "max_body_bytes": self.max_body_bytes,
        }

    def update(self, change: Mapping[str, Any]) -> None:
        """Applies `{"gateway_url"?, "api_key"?}` and stores it, all or nothing.

        `gateway_url` of `""` or None forgets the stored URL; `api_key` of `""` or None
        forgets the stored key. Raises `SettingsError` (400) naming the bad field, or
        with status 409 when a key is set while `LIVEPEER_API_KEY` holds one. Raises
        `OSError` when the file cannot be written.
        """
        unknown = sorted(set(change) - {"gateway_url", "api_key"})
        if unknown:
            raise SettingsError(f"unknown setting {unknown[0]!r}: use gateway_url, api_key")

        stored = dict(self._load())
        old_origin = _origin(self.gateway_url)
        if "gateway_url" in change:
            _put(stored, "gateway_url", change["gateway_url"], check_gateway_url)
            new_url = stored.get("gateway_url") or self._env_url or DEFAULT_GATEWAY_URL
            if _origin(new_url) != old_origin:
                self._forget_key_for_new_origin(stored, keep="api_key" in change)
        if "api_key" in change:
            if change["api_key"] and self._env_key:
                raise SettingsError(
                    f"the API key comes from the {API_KEY_ENV} environment variable of "
                    "the ComfyUI server, which wins over a key set here; change or "
                    "unset it there",
                    status=409,
                )
            _put(stored, "api_key", change["api_key"], check_api_key)

        _write_private(self.path, stored)
        self._stored = stored

    def _forget_key_for_new_origin(self, stored: dict[str, str], keep: bool) -> None:
        """A key goes only to the gateway it was given for: any script on the ComfyUI page
        could otherwise point the relay at its own host and have the key sent there. A
        stored key is forgotten when the gateway moves to another origin (unless a new
        key comes with the move); a key from the environment pins the gateway's origin.
        """
        if self._env_key:
            raise SettingsError(
                f"the API key comes from the {API_KEY_ENV} environment variable of the "
                f"ComfyUI server, so the gateway can only be moved to another host with "
                f"{GATEWAY_URL_ENV} there",
                status=409,
            )
        if not keep:
            stored.pop("api_key", None)

    def _load(self) -> dict[str, str]:
        if self._stored is None:
            self._stored = _read_file(self.path)
        return self._stored


def _origin(url: str) -> tuple[str, str, int | None]:
    """The scheme, host and port of `url`: where a key sent there ends up."""
    parsed = URL(url)
    return (parsed.scheme, parsed.host or "", parsed.port)


def _put(stored: dict[str, str], name: str, value: Any, check: Callable[[Any], str]) -> None:
    if value in ("", None):
        stored.pop(name, None)
    else:
        stored[name] = check(value)


def _env_gateway_url(environ: Mapping[str, str]) -> str | None:
    value = environ.get(GATEWAY_URL_ENV, "").strip()
    if not value:
        return None
    try:
        return check_gateway_url(value)
    except SettingsError:
        log.warning("%s is not an http(s) URL with a host; it is ignored", GATEWAY_URL_ENV)
        return None


def _env_api_key(environ: Mapping[str, str]) -> str | None:
    value = environ.get(API_KEY_ENV, "").strip()
    if not value:
        return None
    try:
        return check_api_key(value)
    except SettingsError:
        log.warning("%s holds characters a header cannot carry; it is ignored", API_KEY_ENV)
        return None


def _read_file(path: Path) -> dict[str, str]:
    """The stored values that are still valid; a missing or unreadable file gives {}."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("cannot read the Livepeer settings file %s; it is ignored", path)
        return {}
    if not isinstance(data, dict):
        return {}

    stored = {}
    for name, check in (("gateway_url", check_gateway_url), ("api_key", check_api_key)):
        try:
            if name in data:
                stored[name] = check(data[name])
        except SettingsError:
            log.warning("the %s in %s is not valid; it is ignored", name, path)
    return stored


def _write_private(path: Path, stored: Mapping[str, str]) -> None:
    """Replaces `path` with `stored` as JSON, mode 0600, by renaming a finished file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            if hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), 0o600)
            json.dump(stored, file, indent=2)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
