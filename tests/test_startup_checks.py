"""Starting the API checks the shipped plan: a template variable nothing fills in stops the
start with a message naming the step and the variable, instead of skipped reminders later."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from messenger.platform.db import Sessions
from messenger.platform.settings import Settings
from messenger.server import create_app
from messenger.wording.template_files import shipped_templates_dir


async def test_the_api_will_not_start_with_a_plan_it_cannot_fill(
    settings: Settings, sessions: Sessions, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(shipped_templates_dir(), templates)
    sms = templates / "nl" / "lac-herinnering-sms.txt"
    header, _, body = (
        sms.read_text()
        .partition(
            "+++\n",
        )[2]
        .partition("+++\n")
    )
    sms.write_text(
        "+++\n"
        + header
        + '[variables.schoenmaat]\nexample = "42"\ndescription = "Niemand vult dit in"\n'
        + "+++\n"
        + body.rstrip()
        + " Maat {{ schoenmaat }}.\n"
    )
    broken = settings.model_copy(update={"templates_dir": templates})
    app = create_app(broken)
    # The app's own start-up (uvicorn logs this error and exits with status 3).
    with pytest.raises(ValueError, match=r"step 'herinnering'.*schoenmaat"):
        async with app.router.lifespan_context(app):
            pass
    # The shipped templates start fine.
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        pass
