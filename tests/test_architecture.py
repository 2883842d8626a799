"""The dependency rule of ARCHITECTURE.md, checked by import-linter with the contract in
pyproject.toml: on this tree it holds, and on a copy of this tree with one bad import added it
breaks, naming the import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_tree_keeps_the_dependency_rule() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    skip = shutil.ignore_patterns("__pycache__")
    for package in ("messenger", "channels", "worker"):
        shutil.copytree(ROOT / package, copy / package, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        pytest.param(
            "messenger/casework/cases.py",
            "from messenger.api import deps",
            "messenger.casework.cases -> messenger.api.deps",
            id="a part imports a door",
        ),
        pytest.param(
            "channels/sms_twilio.py",
            "from messenger.platform import settings",
            "channels.sms_twilio -> messenger.platform.settings",
            id="a channel imports messenger",
        ),
        pytest.param(
            "messenger/messages/delivery.py",
            "from messenger.casework import reminders",
            "messenger.messages.delivery -> messenger.casework.reminders",
            id="two parts import each other",
        ),
        pytest.param(
            "worker/jobs.py",
            "from messenger.api import notifications",
            "worker.jobs -> messenger.api.notifications",
            id="a door imports another door",
        ),
    ],
)
def test_a_bad_import_breaks_the_rule(
    tree_copy: Path, module: str, bad_import: str, broken: str
) -> None:
    path = tree_copy / module
    original = path.read_text()
    path.write_text(f"{original}\n{bad_import}  # noqa\n")
    try:
        result = lint_imports(tree_copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert "1 broken" in result.stdout
    assert broken in result.stdout
