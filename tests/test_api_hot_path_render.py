"""Filling in a template at every message (issue 16): each text is compiled once per
process, and a rendering runs in the caller's thread with one watchdog for the process, so
the time bound still holds without a thread per rendering, and a deadline never reaches
the thread's later work."""

from __future__ import annotations

import asyncio
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from jinja2 import StrictUndefined

from messenger.wording import bounded_sandbox, rendering
from messenger.wording.bounded_sandbox import BoundedSandbox, TemplateTooCostly, render_bounded
from messenger.wording.template_files import load_templates
from tests.support import SMS_VALUES

SMS = next(t for t in load_templates() if t.name == "lac-herinnering-sms" and t.language == "nl")


def test_a_text_is_compiled_once_and_filled_in_many_times() -> None:
    first = rendering.compiled(SMS.body, "nl", "\n")
    before = rendering.compiled.cache_info()
    for name in ("Sara", "Anaïs", "Marie-Christine"):
        filled = rendering.render(SMS.body, None, {**SMS_VALUES, "voornaam": name}, language="nl")
        assert filled.body.startswith(f"Dag {name},")
    after = rendering.compiled.cache_info()
    assert (after.misses, after.hits) == (before.misses, before.hits + 3)
    assert rendering.compiled(SMS.body, "nl", "\n") is first
    assert first.variables == {"voornaam", "moment", "plaats_kort", "telefoon"}
    assert after.maxsize == rendering.CACHED_TEXTS


def test_a_changed_text_is_compiled_anew() -> None:
    once = rendering.render("Dag {{ naam }}.", None, {"naam": "Sara"}, language="nl")
    changed = rendering.render("Hallo {{ naam }}!", None, {"naam": "Sara"}, language="nl")
    assert (once.body, changed.body) == ("Dag Sara.", "Hallo Sara!")


def test_a_rendering_starts_no_thread() -> None:
    rendering.render(SMS.body, None, SMS_VALUES, language="nl")  # the watchdog is running
    started = threading.active_count()
    names = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        names.append(thread.name)
        original(thread)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(threading.Thread, "start", start)
        for _ in range(20):
            rendering.render(SMS.body, "Onderwerp {{ voornaam }}", SMS_VALUES, language="nl")
    assert names == []
    assert threading.active_count() == started


def test_a_deadline_stops_a_rendering_in_an_executor_thread_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bounded_sandbox, "MAX_SECONDS", 0.2)
    endless = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"

    def later_work() -> int:
        total = 0
        for n in range(200_000):  # long enough for a stray exception to land here
            total += n
        return total

    async def main() -> None:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(1) as executor:  # one thread: the next job runs where it ran
            with pytest.raises(rendering.RenderError, match=r"took over 0\.2 s"):
                await loop.run_in_executor(
                    executor, lambda: rendering.render(endless, None, {}, language="nl")
                )
            for _ in range(5):
                assert await loop.run_in_executor(executor, later_work) == sum(range(200_000))

    asyncio.run(main())


def test_deadlines_that_fall_as_renderings_end_never_reach_later_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The race the watchdog is built for: the deadline passes just as a rendering ends. The
    exception is then withdrawn or caught on the way out; the thread's next work never gets
    it, and nothing stays armed."""
    template = BoundedSandbox(undefined=StrictUndefined).from_string(
        "{% for i in range(n) %}{{ i }}{% endfor %}"
    )
    outcomes = {"filled": 0, "refused": 0, "stray": 0}
    lock = threading.Lock()

    def work(seed: int) -> None:
        chooser = random.Random(seed)
        for _ in range(400):
            try:
                render_bounded(template, {"n": chooser.randint(1, 600)})
                outcome = "filled"
            except TemplateTooCostly:
                outcome = "refused"
            try:
                sum(range(2000))
                with lock:
                    outcomes[outcome] += 1
            except BaseException:  # what must never happen
                outcomes["stray"] += 1

    for deadline in (0.000001, 0.0001, 0.0005):
        monkeypatch.setattr(bounded_sandbox, "MAX_SECONDS", deadline)
        threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert outcomes["stray"] == 0
    assert outcomes["filled"] + outcomes["refused"] == 3 * 3 * 400
    assert outcomes["refused"] > 0  # the deadlines did fall
    assert bounded_sandbox._WATCHDOG._armed == {}
