"""The files production is built from agree with the code: docker-compose.yml passes every
setting Messenger reads, and the image installs exactly the versions in requirements.lock."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from messenger.platform.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "messenger:latest"

# Settings that docker-compose.yml deliberately does not pass, each with its reason.
NOT_IN_COMPOSE: dict[str, str] = {}

# Defaults in docker-compose.yml that deliberately differ from Messenger's own.
PRODUCTION_DEFAULTS = {
    "MESSENGER_PUBLIC_URL": "the API's port as published on the host",
    "MESSENGER_PRINT_BATCHES": "production prints its letters in the day's batch",
    "MESSENGER_API_WORKERS": "production runs several API processes",
}

# What compose passes besides Messenger's settings: read by uvicorn itself.
NOT_SETTINGS = {"FORWARDED_ALLOW_IPS"}

DEFAULT = re.compile(r"^\$\{(?P<name>[A-Z0-9_]+):-(?P<default>.*)\}$")


def setting_names() -> dict[str, str]:
    """Environment variable -> Settings field, as pydantic-settings reads them."""
    prefix = Settings.model_config.get("env_prefix") or ""
    names = {}
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        assert alias is None or isinstance(alias, str), f"{field_name}: read this alias too"
        names[alias or f"{prefix}{field_name}".upper()] = field_name
    return names


def readme_setting_names() -> set[str]:
    """The first column of the README's Settings table. `A` / `_B` names A and A's stem + _B."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Settings") :]
    table = section[section.index("| variable") :].split("\n\n", 1)[0]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        first = None
        for name in re.findall(r"`([A-Z0-9_]+)`", row.split("|")[1]):
            if name.startswith("_"):
                assert first, row
                name = first.rsplit("_", 1)[0] + name
            else:
                first = name
            names.add(name)
    assert len(names) > 40, "the README's Settings table was not found"
    return names


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def messenger_services() -> dict[str, dict[str, Any]]:
    services = {n: s for n, s in compose()["services"].items() if s.get("image") == IMAGE}
    assert {"migrate", "api", "worker", "smtp-inbound"} <= set(services)
    return services


def compose_environment() -> dict[str, Any]:
    environment: dict[str, Any] = compose()["x-messenger"]["environment"]
    return environment


def test_every_messenger_service_gets_the_same_environment() -> None:
    expected = compose_environment()
    for name, service in messenger_services().items():
        assert service["environment"] == expected, name


def test_compose_passes_every_setting_messenger_reads() -> None:
    missing = set(setting_names()) - set(compose_environment()) - set(NOT_IN_COMPOSE)
    assert not missing, f"add to x-messenger's environment in docker-compose.yml: {missing}"
    assert set(NOT_IN_COMPOSE) <= set(setting_names()), "NOT_IN_COMPOSE names a lost setting"


def test_compose_passes_every_setting_the_readme_lists() -> None:
    missing = readme_setting_names() - set(compose_environment()) - set(NOT_IN_COMPOSE)
    assert not missing, f"add to x-messenger's environment in docker-compose.yml: {missing}"


def test_the_readme_lists_only_settings_messenger_reads() -> None:
    assert readme_setting_names() <= set(setting_names())


def test_compose_passes_nothing_messenger_does_not_read() -> None:
    unknown = set(compose_environment()) - set(setting_names()) - NOT_SETTINGS
    assert not unknown, unknown


def test_compose_defaults_are_messengers_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """A `${NAME:-default}` default means what Messenger itself would use, read the way
    Messenger reads it; a setting without a default of its own is passed bare (only when
    set), never as an empty string."""
    names = setting_names()
    defaults: dict[str, str] = {}
    for name, value in compose_environment().items():
        if value is None:  # bare: passed only when set
            assert name in NOT_SETTINGS or Settings.model_fields[names[name]].default is None
            continue
        if (match := DEFAULT.match(str(value))) and match["name"] == name:
            assert match["default"], f"{name}: pass it bare instead of as an empty string"
            defaults[name] = match["default"]
    assert len(defaults) > 30
    for name in names:
        monkeypatch.delenv(name, raising=False)
    for name, value in defaults.items():
        monkeypatch.setenv(name, value)
    read = Settings()
    for name, value in defaults.items():
        field = names[name]
        own = Settings.model_fields[field].default
        if name in PRODUCTION_DEFAULTS:
            assert getattr(read, field) != own, f"{name} is no longer different: drop it"
        else:
            assert getattr(read, field) == own, f"{name}: {value!r} is not Messenger's {own!r}"


def lock_pins() -> dict[str, tuple[Version, int]]:
    """Package -> (pinned version, number of hashes) from requirements.lock."""
    pins: dict[str, tuple[Version, int]] = {}
    text = (ROOT / "requirements.lock").read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if match := re.match(r"([A-Za-z0-9._-]+)==(\S+)", block):
            pins[canonicalize_name(match[1])] = (
                Version(match[2]),
                len(re.findall(r"--hash=sha256:[0-9a-f]{64}", block)),
            )
    return pins


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = lock_pins()
    # The image builds Messenger with the backend from the lock (--no-build-isolation).
    wanted = project["project"]["dependencies"] + project["build-system"]["requires"]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run `make lock`"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements.lock has {name}=={version}, pyproject.toml wants {requirement}: "
            "run `make lock`"
        )
    unhashed = [name for name, (_, hashes) in pins.items() if not hashes]
    assert not unhashed


def test_the_lock_is_made_with_the_images_python() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    made_with = re.search(r"autogenerated by pip-compile with Python (\d+\.\d+)", lock)
    image = re.search(r"^FROM python:(\d+\.\d+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert made_with and image
    assert made_with[1] == image[1]


def test_the_image_installs_the_lock_and_then_messenger_alone() -> None:
    steps = [
        " ".join(line.split())
        for line in re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text()).splitlines()
    ]
    installs = [step for step in steps if "pip install" in step]
    assert len(installs) == 2, installs
    lock, project = installs
    assert "--require-hashes" in lock and "-r requirements.lock" in lock
    assert "--no-deps" in project and "--no-build-isolation" in project
    assert project.endswith(" .")
    assert steps.index("COPY requirements.lock ./") < steps.index(lock)


def test_make_lock_regenerates_the_lock() -> None:
    dry_run = subprocess.run(
        ["make", "-n", "lock"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "pip-compile" in dry_run and "--generate-hashes" in dry_run
    assert "--output-file=requirements.lock pyproject.toml" in " ".join(dry_run.split())
