"""The config routes and the settings behind them: sources, precedence, the key file."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from helpers import KEY, Scope, assert_no_key, relay_app

from livepeer_relay import DEFAULT_GATEWAY_URL, RelaySettings, SettingsError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
async def page_relay(aiohttp_client, settings_path, gateway_url):
    """A relay whose key, if any, comes from the page."""
    settings = RelaySettings(settings_path, environ={"LIVEPEER_GATEWAY_URL": gateway_url})
    return await aiohttp_client(relay_app(settings))


async def test_config_tells_everything_but_the_key(relay, gateway_url):
    response = await relay.get("/livepeer/config")

    assert await response.json() == {
        "gateway_url": gateway_url,
        "api_key_set": True,
        "api_key_source": "env",
        "max_body_bytes": 64 * 1024 * 1024,
    }
    assert_no_key(await response.read(), response.headers)


async def test_a_key_set_from_the_page_is_stored_privately_and_used(
    page_relay, settings_path, scope: Scope
):
    await scope.require_key()
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text("{}")
    os.chmod(settings_path, 0o644)

    response = await page_relay.post("/livepeer/config", json={"api_key": KEY})

    answer = await response.json()
    assert response.status == 200, answer
    assert answer["api_key_set"] is True and answer["api_key_source"] == "file"
    assert_no_key(await response.read(), response.headers)
    assert mode(settings_path) == 0o600
    assert json.loads(settings_path.read_text())["api_key"] == KEY
    assert [p.name for p in settings_path.parent.iterdir()] == [settings_path.name]
    pipeline = await page_relay.post(f"{scope.prefix}/text-to-image", json={"prompt": "x"})
    assert pipeline.status == 200

    response = await page_relay.post("/livepeer/config", json={"api_key": ""})

    assert (await response.json())["api_key_set"] is False
    assert "api_key" not in json.loads(settings_path.read_text())
    pipeline = await page_relay.post(f"{scope.prefix}/text-to-image", json={"prompt": "x"})
    assert pipeline.status == 401


async def test_a_stored_key_survives_a_restart(settings_path, gateway_url):
    RelaySettings(settings_path).update({"api_key": KEY, "gateway_url": gateway_url + "/"})

    again = RelaySettings(settings_path, environ={})

    assert again.api_key == KEY
    assert again.api_key_source == "file"
    assert again.gateway_url == gateway_url


async def test_the_environment_key_wins_and_cannot_be_overridden(relay, settings_path):
    response = await relay.post("/livepeer/config", json={"api_key": "from-the-page"})

    msg = (await response.json())["detail"]["msg"]
    assert response.status == 409
    assert "LIVEPEER_API_KEY" in msg
    assert not settings_path.exists()

    response = await relay.post("/livepeer/config", json={"api_key": ""})
    assert (await response.json())["api_key_source"] == "env"


def test_key_sources_in_order(settings_path):
    RelaySettings(settings_path).update({"api_key": "stored-key"})

    assert RelaySettings(settings_path, environ={}).api_key == "stored-key"
    with_env = RelaySettings(settings_path, environ={"LIVEPEER_API_KEY": " env-key "})
    assert with_env.api_key == "env-key"
    assert with_env.api_key_source == "env"
    nothing = RelaySettings(settings_path.with_name("none.json"), environ={})
    assert (nothing.api_key, nothing.api_key_source) == (None, None)


def test_gateway_url_sources_in_order(settings_path):
    environ = {"LIVEPEER_GATEWAY_URL": "https://env.example/"}

    assert RelaySettings(settings_path, environ={}).gateway_url == DEFAULT_GATEWAY_URL
    assert RelaySettings(settings_path, environ=environ).gateway_url == "https://env.example"
    RelaySettings(settings_path).update({"gateway_url": "http://127.0.0.1:9000"})
    assert RelaySettings(settings_path, environ=environ).gateway_url == "http://127.0.0.1:9000"
    RelaySettings(settings_path).update({"gateway_url": ""})
    assert RelaySettings(settings_path, environ=environ).gateway_url == "https://env.example"


def test_bad_stored_or_environment_values_are_ignored(settings_path, caplog):
    settings_path.parent.mkdir(parents=True)
    settings_path.write_text(json.dumps({"gateway_url": "ftp://x", "api_key": "a b"}))
    environ = {"LIVEPEER_GATEWAY_URL": "not a url"}

    settings = RelaySettings(settings_path, environ=environ)

    assert settings.gateway_url == DEFAULT_GATEWAY_URL
    assert settings.api_key is None
    settings_path.write_text("{not json")
    assert RelaySettings(settings_path, environ={}).public()["api_key_set"] is False
    assert "a b" not in caplog.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"gateway_url": "ftp://gateway.example"}, "gateway_url"),
        ({"gateway_url": "gateway.example"}, "gateway_url"),
        ({"gateway_url": "http://"}, "gateway_url"),
        ({"gateway_url": "http://user:pw@gateway.example"}, "gateway_url"),
        ({"gateway_url": "http://gateway.example/?q=1"}, "gateway_url"),
        ({"gateway_url": 8935}, "gateway_url"),
        ({"api_key": "has space"}, "api_key"),
        ({"api_key": "x" * 4097}, "api_key"),
        ({"api_key": 42}, "api_key"),
        ({"api_key": KEY, "gateway_url": "nope"}, "gateway_url"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_config_values_are_refused(page_relay, settings_path, change, field):
    response = await page_relay.post("/livepeer/config", json=change)

    assert response.status == 400
    assert field in (await response.json())["detail"]["msg"]
    assert not settings_path.exists()


@pytest.mark.parametrize("body", [b"[]", b"not json", b'"text"', b"x" * (64 * 1024 + 1)])
async def test_config_bodies_that_are_not_settings_are_refused(page_relay, body):
    response = await page_relay.post("/livepeer/config", data=body)

    assert response.status in (400, 413)
    assert "msg" in (await response.json())["detail"]


async def test_the_gateway_url_can_be_changed_from_the_page(page_relay, settings_path):
    response = await page_relay.post(
        "/livepeer/config", json={"gateway_url": "https://Gateway.Example:8443/"}
    )

    assert (await response.json())["gateway_url"] == "https://gateway.example:8443"
    assert json.loads(settings_path.read_text()) == {"gateway_url": "https://gateway.example:8443"}
    assert mode(settings_path) == 0o600


def test_an_unwritable_settings_folder_is_reported(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    settings = RelaySettings(blocker / "comfyui-livepeer.json", environ={})

    with pytest.raises(OSError):
        settings.update({"api_key": KEY})
    assert settings.api_key is None


def test_settings_errors_carry_a_status():
    err = SettingsError("nope", status=409)
    assert (err.msg, err.status, str(err)) == ("nope", 409, "nope")


async def test_the_key_never_reaches_a_log(aiohttp_client, settings_path, gateway_url, caplog):
    caplog.set_level(logging.DEBUG)
    settings = RelaySettings(settings_path, environ={"LIVEPEER_GATEWAY_URL": "http://127.0.0.1:1"})
    relay = await aiohttp_client(relay_app(settings))

    await relay.post("/livepeer/config", json={"api_key": KEY})
    await relay.post("/livepeer/gateway/text-to-image", json={"prompt": KEY[::-1]})
    await relay.get("/livepeer/media", params={"url": "http://127.0.0.1:1/stream/a/b.png"})
    await relay.post("/livepeer/config", json={"gateway_url": gateway_url})
    await relay.post("/livepeer/gateway/text-to-image", json={"prompt": "x"})
    await relay.post("/livepeer/config", json={"api_key": "bad key"})

    assert "cannot reach the gateway" in caplog.text
    assert KEY not in caplog.text
    assert KEY[::-1] not in caplog.text


def test_moving_the_gateway_to_another_origin_forgets_the_stored_key(settings_path):
    settings = RelaySettings(settings_path, environ={})
    settings.update({"gateway_url": "http://127.0.0.1:9000", "api_key": KEY})
    settings.update({"gateway_url": "http://127.0.0.1:9000/"})
    assert settings.api_key == KEY, "the same origin keeps the key"

    settings.update({"gateway_url": "https://attacker.example"})
    assert settings.api_key is None, "a key is never sent to a gateway it was not given for"
    assert "api_key" not in json.loads(settings_path.read_text())

    settings.update({"gateway_url": "http://127.0.0.1:9001", "api_key": KEY})
    assert settings.api_key == KEY, "a key given with the move is kept"


def test_a_key_from_the_environment_pins_the_gateway_origin(settings_path):
    environ = {"LIVEPEER_API_KEY": KEY, "LIVEPEER_GATEWAY_URL": "http://127.0.0.1:9000"}
    settings = RelaySettings(settings_path, environ=environ)
    settings.update({"gateway_url": "http://127.0.0.1:9000/"})
    with pytest.raises(SettingsError) as refused:
        settings.update({"gateway_url": "https://attacker.example"})
    assert refused.value.status == 409
    assert settings.gateway_url == "http://127.0.0.1:9000"
