"""Importing a case list of 10,000 rows: from the CLI and through the API, a dry run of each,
and the next month's list, whose clients are all known already (issue 16: goal ≤ 5 s).

    .venv/bin/python -m bench.import_rows [SCALE]          # SQLite in a temporary folder
    BENCH_POSTGRES_URL=postgresql://user@host/db .venv/bin/python -m bench.import_rows
                                                           # and on PostgreSQL, in a database
                                                           # of its own, made and dropped

It drives Messenger from outside only, as an OCMW would: `messenger db upgrade`, `org create`,
`staff add`, `session create`, `api-key create` and `import` as subprocesses, and the API as
its own uvicorn process, so it measures an older commit just as well. A CLI figure is the
command's wall time, Python's start included (the note says how much that is); an API figure
is the request's, from sending the file to the whole answer.
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import jwt

from bench.report import Row, table
from bench.sinks import messenger_env, run_messenger, sqlite_then_postgres
from messenger.cli.runner import free_port

ROOT = Path(__file__).resolve().parent.parent
FULL_SIZE = 10_000
GOAL = "≤ 5 s"
TIMEOUT_SECONDS = 1800
STAFF = ("Jan Peeters", "Lies Claes", "Marie Dubois")
PLACE_SHORT = "Sociaal Huis Gent"
HEADER = (
    "voornaam", "achternaam", "taal", "gsm", "e-mail", "straat", "huisnummer", "bus",
    "adresregel 2", "postcode", "gemeente", "watermaatschappij", "reden", "referentie",
    "geen sms", "geen brieven thuis", "gedeelde gsm", "maatschappelijk werker",
    "toestemming sms", "toestemming e-mail", "afspraak", "insz", "plaats kort", "opmerking",
)  # fmt: skip
FIRST_NAMES = (
    "Sara", "Mohamed", "Els", "Kevin", "Fatima", "Jan", "Lies", "Noor", "Karim", "Eva",
    "Ahmed", "Marie", "Luc", "Ines", "Youssef", "Hanne", "Pieter", "Aïcha", "Bram", "Chloé",
    "Dries", "Emma", "Frank", "Greet", "Hamza", "Ilse", "Jonas", "Kato", "Lotte", "Mehmet",
    "Nadia", "Olivier", "Pauline", "Rachid", "Sofie", "Thomas", "Ümit", "Vera", "Wout", "Zoë",
)  # fmt: skip
LAST_NAMES = (
    "Janssens", "Peeters", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Lambert", "El Amrani", "Benali", "Yilmaz", "Van Damme",
    "De Clercq", "Vermeulen", "Hermans", "Michiels", "Van den Broeck", "Desmet", "Öztürk",
    "Nowak", "Popescu", "Diallo", "Martens", "Verstraete", "D'Hondt", "Van Acker",
)  # fmt: skip
STREETS = (
    "Kerkstraat", "Molenstraat", "Stationsstraat", "Dorpsstraat", "Nieuwstraat", "Schoolstraat",
    "Brugsesteenweg", "Sleepstraat", "Dampoortstraat", "Kortrijksesteenweg", "Rue de la Gare",
    "Veldstraat", "Lindenlaan", "Heirweg", "Spoorwegstraat", "Beekstraat", "Hoogstraat",
)  # fmt: skip
TOWNS = (
    ("9000", "Gent"), ("9040", "Sint-Amandsberg"), ("9050", "Gentbrugge"), ("8500", "Kortrijk"),
    ("2000", "Antwerpen"), ("3000", "Leuven"), ("8000", "Brugge"), ("9300", "Aalst"),
)  # fmt: skip
MOBILE_PREFIXES: tuple[str, ...] = (
    "0460",
    "0468",
    "0470",
    "0471",
    "0472",
    "0475",
    "0476",
    "0477",
    "0478",
)
MOBILE_PREFIXES += ("0479", "0484", "0485", "0486", "0487", "0488", "0489", "0491", "0494")
DOMAINS = ("telenet.be", "gmail.com", "hotmail.com", "skynet.be", "outlook.be", "proximus.be")
COMPANIES: tuple[str, ...] = (
    "De Watergroep",
    "Farys",
    "Pidpa",
    "water-link",
    "Aquaduin",
    "AGSO Knokke-Heist",
)
COMPANIES += ("VMW", "TMVW", "watergroep")  # former names, as older exports still write them


def national_number(n: int) -> str:
    """A valid INSZ nobody has (born 1940-1999), different for every n below 997 × 21,900."""
    born = date(1940, 1, 1) + timedelta(days=n // 997)
    body = f"{born:%y%m%d}{n % 997 + 1:03d}"
    digits = body + f"{97 - int(body) % 97:02d}"
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalnum())


def _mobile(n: int, pick: random.Random) -> str:
    """A different mobile number for every n below 1,000,000, written as people write them."""
    prefix, rest = pick.choice(MOBILE_PREFIXES), f"{n * 37 % 1_000_000:06d}"
    style = pick.random()
    if style < 0.5:
        return f"{prefix} {rest[:2]} {rest[2:4]} {rest[4:]}"
    if style < 0.7:
        return f"+32{prefix[1:]}{rest}"
    if style < 0.85:
        return f"{prefix}/{rest[:2]}.{rest[2:4]}.{rest[4:]}"
    return f"{prefix}{rest}"


def case_list(rows: int, session_start: datetime, *, seed: int = 16) -> bytes:
    """A case list as an OCMW exports it: every row different and right, so all of it imports.
    Most clients have a mobile number, half an email address, nearly all an address; some
    couples share a phone (marked on both rows), a few can be reached by nothing at all."""
    pick = random.Random(seed)  # noqa: S311 - test data, the same every run
    lines = [";".join(HEADER)]
    n = 0
    while len(lines) <= rows:
        first, last = pick.choice(FIRST_NAMES), pick.choice(LAST_NAMES)
        phone = _mobile(n, pick) if pick.random() < 0.85 else ""
        couple = bool(phone) and pick.random() < 0.02 and len(lines) < rows
        email = ""
        if pick.random() < 0.5:
            email = f"{_ascii(first)}.{_ascii(last)}{n}@{pick.choice(DOMAINS)}"
            email = email.lower() if pick.random() < 0.8 else email
        street, number = STREETS[n % len(STREETS)], str(n // len(STREETS) + 1)
        postcode, town = pick.choice(TOWNS)
        bus = pick.choice(("", "", "", "1", "2", "bus 3", "A"))
        extra = "achterbouw" if pick.random() < 0.03 else ""
        no_sms = "ja" if pick.random() < 0.03 else pick.choice(("nee", ""))
        no_letters = "ja" if pick.random() < 0.02 else pick.choice(("nee", ""))
        if pick.random() < 0.01:  # nobody can reach this client: a task at once
            email, no_sms, no_letters = "", "ja", "ja"
        has_address = pick.random() < 0.9 or not (phone or email)
        appointment = ""
        if pick.random() < 0.2:
            moment = session_start - timedelta(days=pick.randint(2, 12), hours=pick.randint(0, 5))
            appointment = (
                f"{moment.day}/{moment.month}/{moment.year} {moment:%H:%M}"
                if pick.random() < 0.7
                else f"{moment:%Y-%m-%d %H:%M}"
            )
        consent_sms = pick.choices(("ja", "nee", ""), (6, 1, 3))[0]
        consent_email = pick.choices(("ja", "nee", ""), (5, 1, 4))[0] if email else ""
        cells = [
            first,
            last,
            pick.choices(("nl", "fr", "en", "Nederlands", "FR"), (65, 18, 8, 6, 3))[0],
            phone,
            email,
            street if has_address else "",
            number if has_address else "",
            bus if has_address else "",
            extra if has_address else "",
            postcode if has_address else "",
            town if has_address else "",
            pick.choice(COMPANIES),
            pick.choices(("onbetaalde facturen", "heraansluiting", "", "onbetaald"), (6, 2, 3, 1))[
                0
            ],
            f"DW-2026-{n:05d}" if pick.random() < 0.6 else "",
            no_sms,
            no_letters,
            "ja" if couple else pick.choice(("nee", "")),
            pick.choice((*STAFF, "jan peeters", "", "")),
            consent_sms,
            consent_email,
            appointment,
            national_number(n) if pick.random() < 0.4 else "",
            PLACE_SHORT,
            "belt liefst 's middags" if pick.random() < 0.05 else "",
        ]
        lines.append(";".join(cells))
        if couple:  # the partner on the same shared phone, at the same address
            other = pick.choice([name for name in FIRST_NAMES if name != first])
            partner = [other, *cells[1:4], "", *cells[5:]]
            partner[21] = ""  # no INSZ: one person, one number
            lines.append(";".join(partner))
        n += 1
    return ("\r\n".join(lines[: rows + 1]) + "\r\n").encode("utf-8")


# --- driving Messenger from outside ---------------------------------------------------------


@contextlib.contextmanager
def running_api(env: dict[str, str]) -> Iterator[str]:
    """The API as its own process (no Redis: messages would wait; an import sends none)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own API
        [
            sys.executable, "-m", "uvicorn", "--factory", "messenger.server:create_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                assert process.stderr is not None
                raise RuntimeError(f"the API did not start: {process.stderr.read()[-3000:]!r}")
            try:
                httpx.get(f"{url}/v2/case-list/sample.csv", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token(api_key: str) -> str:
    """A Notify-style JWT: the key's service id as issuer, signed with its secret."""
    claims = {"iss": api_key[-73:-37], "iat": int(time.time())}
    return jwt.encode(claims, api_key[-36:], "HS256")


def post_list(url: str, api_key: str, session_id: str, raw: bytes, *, dry_run: bool) -> float:
    started = time.perf_counter()
    answer = httpx.post(
        f"{url}/v2/lac-sessions/{session_id}/import",
        params={"dry_run": "true"} if dry_run else None,
        content=raw,
        headers={"Authorization": f"Bearer {token(api_key)}", "Content-Type": "text/csv"},
        timeout=TIMEOUT_SECONDS,
    )
    took = time.perf_counter() - started
    expected = 200 if dry_run else 201
    if answer.status_code != expected:
        raise RuntimeError(f"import answered {answer.status_code}: {answer.text[:3000]}")
    return took


def next_weekday(moment: datetime) -> datetime:
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


class Tenant:
    """One organisation made with the CLI: its staff, a key, sessions on demand."""

    def __init__(self, env: dict[str, str], name: str, starts_at: datetime) -> None:
        self.env, self.starts_at = env, starts_at
        self.id = run_messenger(env, "org", "create", name)[0].strip()
        for member in STAFF:
            run_messenger(env, "staff", "add", "--org", self.id, "--name", member)
        self.key = run_messenger(env, "api-key", "create", "--org", self.id, "--name", "bench")[0]
        self.key = self.key.strip()

    def new_session(self) -> str:
        starts = f"{self.starts_at:%Y-%m-%dT%H:%M}"
        args = ("session", "create", "--org", self.id, "--starts-at", starts)
        return run_messenger(self.env, *args, "--place", "Sociaal Huis, Onderbergen 86, Gent")[
            0
        ].strip()


def run_on(database_url: str, label: str, rows: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        env = messenger_env(database_url, folder)
        run_messenger(env, "db", "upgrade")
        _, started = run_messenger(env, "import-sample")  # Python's start and the imports
        # Ten weeks ahead, a weekday at ten: every step of the plan is still ahead.
        today = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0)
        starts_at = next_weekday(today + timedelta(days=70))
        raw = case_list(rows, starts_at)
        path = Path(folder) / "clientenlijst.csv"
        path.write_bytes(raw)
        figures: list[tuple[str, float]] = []
        with running_api(env) as url:  # also puts the shipped templates in the database
            cli = Tenant(env, "OCMW Bench CLI", starts_at)
            first, again = cli.new_session(), cli.new_session()
            command = ("import", str(path), "--org", cli.id)
            figures.append(
                ("CLI, dry run", run_messenger(env, *command, "--session", first, "--dry-run")[1])
            )
            figures.append(("CLI", run_messenger(env, *command, "--session", first)[1]))
            figures.append(
                (
                    "CLI, next list: every client known",
                    run_messenger(env, *command, "--session", again)[1],
                )
            )
            api = Tenant(env, "OCMW Bench API", starts_at)
            session_id = api.new_session()
            figures.append(("API, dry run", post_list(url, api.key, session_id, raw, dry_run=True)))
            figures.append(("API", post_list(url, api.key, session_id, raw, dry_run=False)))
    return [
        Row(
            what=f"import {rows:,} case-list rows, {what} ({label})",
            messenger=seconds,
            unit="s",
            goal=GOAL,
            higher_is_better=False,
            note=f"{started:.1f} s of it is starting the command" if what.startswith("CLI") else "",
        )
        for what, seconds in figures
    ]


def measure(scale: float = 1.0) -> list[Row]:
    rows = max(50, int(FULL_SIZE * scale))
    return sqlite_then_postgres("import", "s", lambda url, label: run_on(url, label, rows))


if __name__ == "__main__":
    measured = measure(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
    print(table(measured))
