"""A real browser for the page tests: Debian's Chromium driven by Playwright, headless, with
axe-core checking every page it visits. Screenshots go to build/screenshots/ (a test
artefact; the README shows some of them)."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = os.environ.get("MESSENGER_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("MESSENGER_SCREENSHOTS", "build/screenshots"))
AXE_RESULTS = SCREENSHOTS.parent / "axe"
# What this machine's closed network and a root user need (see .ci/run).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1100, "height": 900}
# 200 % zoom of a 1280-pixel screen: the page lays out in 640 CSS pixels.
ZOOMED = {"width": 640, "height": 450}
BLOCKING = ("serious", "critical")

needs_chromium = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists(),
    reason=f"no Chromium at {CHROMIUM}: `make test` and .ci/run install Debian's chromium",
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def accessibility_problems(page: Page, name: str | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now. With a name, the
    whole result is summed up in build/axe/NAME.json (every impact, and the rules passed)."""
    result = await Axe().run(page)
    violations: list[dict[str, Any]] = result.response["violations"]
    if name is not None:
        impacts = Counter(str(v.get("impact")) for v in violations)
        summary = {"url": page.url, "violations": dict(impacts),
                   "rules": sorted(v["id"] for v in violations),
                   "rules_passed": len(result.response["passes"])}  # fmt: skip
        AXE_RESULTS.mkdir(parents=True, exist_ok=True)
        (AXE_RESULTS / f"{safe(name)}.json").write_text(json.dumps(summary, indent=1))
    return [v for v in violations if v.get("impact") in BLOCKING]


async def check_page(page: Page, name: str) -> None:
    """Accessible (axe), no sideways scrolling at this width, and a screenshot."""
    problems = await accessibility_problems(page, name)
    assert not problems, [(p["id"], p["help"], [n["target"] for n in p["nodes"]]) for p in problems]
    overflow = await page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: {overflow} px sideways scrolling"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{safe(name)}.png"), full_page=True)


def safe(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
