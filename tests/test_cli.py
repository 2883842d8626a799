"""The real `messenger` command, run as a subprocess with its settings in the environment."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

MESSENGER = [sys.executable, "-c", "from messenger.cli.app import main; main()"]
UNKNOWN_ORG = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Cli:
    env: dict[str, str]
    database: Path
    cwd: Path

    def __call__(self, *args: str, timeout: float = 60) -> Done:
        result = subprocess.run(
            [*MESSENGER, *args],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Done(result.returncode, result.stdout, result.stderr)


def make_cli(root: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    # COLUMNS would change how rich wraps the error line.
    env = {k: v for k, v in env.items() if not k.startswith("MESSENGER_") and k != "COLUMNS"}
    database = root / "x.db"
    env |= {
        "MESSENGER_VAR_DIR": str(root / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
        "MESSENGER_SECRET_KEY": Fernet.generate_key().decode(),
    }
    return Cli(env, database, root)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return make_cli(tmp_path)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, str]:
    """One migrated database with an organisation, shared by the slower tests."""
    module_cli = make_cli(tmp_path_factory.mktemp("cli"))
    upgraded = module_cli("db", "upgrade")
    assert upgraded.code == 0, upgraded.err
    created = module_cli("org", "create", "OCMW Gent")
    assert created.code == 0, created.err
    return module_cli, created.out.strip()


def assert_one_line_error(done: Done, *fragments: str) -> None:
    """Non-zero exit, no traceback, exactly one `Error:` line on stderr naming the problem."""
    assert done.code != 0
    assert "Traceback" not in done.out + done.err
    errors = [line for line in done.err.splitlines() if line.strip()]
    error_lines = [line for line in errors if line.startswith("Error")]
    assert len(error_lines) == 1, done.err
    # Click may put its "Usage:/Try" hint above; the error itself is the last, single line.
    assert errors[-1] == error_lines[0], done.err
    for fragment in fragments:
        assert fragment in error_lines[0], done.err


HELP = {
    (): "Messenger: SMS, email and letters",
    ("serve",): "Run the HTTP API",
    ("worker",): "Run a queue worker",
    ("demo",): "Send one SMS, one email and one letter",
    ("demo", "lac"): "One LAC session from the case list to the 30-day check-in",
    ("org", "profile"): "Set the organisation's contact profile and calendar",
    ("staff",): "Staff: the social workers a case names",
    ("staff", "add"): "Add a social worker",
    ("import",): "Check every row of a case list",
    ("import-sample",): "Print a sample case list",
    ("db",): "Database migrations",
    ("db", "upgrade"): "Bring the database schema up to date",
    ("org",): "Organisations",
    ("org", "create"): "Create an organisation and print its id",
    ("api-key",): "API keys",
    ("api-key", "create"): "Create an API key and print it",
}


@pytest.mark.parametrize("command", list(HELP), ids=lambda c: " ".join(c) or "messenger")
def test_help_describes_every_command(cli: Cli, command: tuple[str, ...]) -> None:
    done = cli(*command, "--help")
    assert done.code == 0, done.err
    assert "Traceback" not in done.out + done.err
    assert done.out.startswith("Usage: ")
    assert HELP[command] in " ".join(done.out.split())
    # Help never touches the database.
    assert not cli.database.exists()


def test_top_level_help_lists_every_command(cli: Cli) -> None:
    listing = cli("--help").out
    for name in ("serve", "worker", "demo", "db", "org", "api-key"):
        assert f"  {name} " in listing


def test_api_key_create_help_names_its_options(cli: Cli) -> None:
    out = cli("api-key", "create", "--help").out
    for option in ("--org", "--name", "--type", "live, team or test"):
        assert option in out


def test_db_upgrade_creates_the_schema(cli: Cli) -> None:
    done = cli("db", "upgrade")
    assert done.code == 0, done.err
    assert "database is up to date" in done.out
    with sqlite3.connect(cli.database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"organisations", "api_keys", "messages", "alembic_version"} <= tables
    again = cli("db", "upgrade")
    assert again.code == 0, again.err


def test_org_create_prints_a_uuid(org: tuple[Cli, str]) -> None:
    cli, organisation_id = org
    assert str(uuid.UUID(organisation_id)) == organisation_id
    with sqlite3.connect(cli.database) as db:
        rows = db.execute("SELECT id, name FROM organisations").fetchall()
    assert (organisation_id, "OCMW Gent") in rows


def test_api_key_is_printed_once_and_stored_encrypted(org: tuple[Cli, str]) -> None:
    cli, organisation_id = org
    done = cli("api-key", "create", "--org", organisation_id, "--name", "crm", "--type", "test")
    assert done.code == 0, done.err
    key = done.out.strip()
    assert "\n" not in key
    prefix = f"crm-{organisation_id}-"
    assert key.startswith(prefix)
    secret = key[len(prefix) :]
    assert str(uuid.UUID(secret)) == secret

    with sqlite3.connect(cli.database) as db:
        rows = db.execute("SELECT name, key_type, secret_encrypted FROM api_keys").fetchall()
        dump = "\n".join(db.iterdump())
    assert ("crm", "test") in [(name, key_type) for name, key_type, _ in rows]
    assert secret not in dump
    # Not in the raw files either (SQLite keeps recent writes in its -wal file).
    for path in cli.database.parent.glob(f"{cli.database.name}*"):
        assert secret.encode() not in path.read_bytes(), path.name
    fernet = Fernet(cli.env["MESSENGER_SECRET_KEY"].encode())
    assert secret in {fernet.decrypt(token.encode()).decode() for _, _, token in rows}


def test_api_key_default_type_is_live(org: tuple[Cli, str]) -> None:
    cli, organisation_id = org
    done = cli("api-key", "create", "--org", organisation_id, "--name", "Case Manager")
    assert done.code == 0, done.err
    assert done.out.startswith(f"case_manager-{organisation_id}-")
    with sqlite3.connect(cli.database) as db:
        types = db.execute("SELECT key_type FROM api_keys WHERE name = 'case_manager'").fetchall()
    assert types == [("live",)]


def test_wrong_key_type_is_one_line(org: tuple[Cli, str]) -> None:
    cli, organisation_id = org
    done = cli("api-key", "create", "--org", organisation_id, "--name", "crm", "--type", "gold")
    assert_one_line_error(done, "--type", "live, team, test")
    assert done.out == ""


def test_unknown_organisation_is_one_line(org: tuple[Cli, str]) -> None:
    cli, _ = org
    done = cli("api-key", "create", "--org", UNKNOWN_ORG, "--name", "crm", "--type", "test")
    assert_one_line_error(done, UNKNOWN_ORG)
    assert done.out == ""


def test_missing_option_is_one_line(cli: Cli) -> None:
    assert_one_line_error(cli("api-key", "create", "--name", "crm"), "--org")


def test_unknown_command_is_one_line(cli: Cli) -> None:
    assert_one_line_error(cli("frobnicate"), "frobnicate")
    assert_one_line_error(cli("db", "sideways"), "sideways")


def test_invalid_names_are_one_line(org: tuple[Cli, str]) -> None:
    cli, organisation_id = org
    assert_one_line_error(cli("org", "create", "   "), "name")
    bad_key = cli("api-key", "create", "--org", organisation_id, "--name", "crm!")
    assert_one_line_error(bad_key, "Key name")


def test_worker_without_redis_is_one_line(cli: Cli) -> None:
    done = cli("worker")
    assert_one_line_error(done, "REDIS_URL")
    assert not (cli.cwd / "var" / "redis.url").exists()


def test_error_text_is_not_read_as_markup(org: tuple[Cli, str]) -> None:
    cli, _ = org
    done = cli("api-key", "create", "--org", "[/x]", "--name", "crm")
    assert_one_line_error(done, "[/x]")


def test_long_error_stays_on_one_line(org: tuple[Cli, str]) -> None:
    cli, _ = org
    assert_one_line_error(cli("api-key", "create", "--org", "a" * 120, "--name", "crm"), "a" * 120)


def test_unreachable_database_is_one_line(cli: Cli) -> None:
    env = cli.env | {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}
    assert_one_line_error(Cli(env, cli.database, cli.cwd)("db", "upgrade"))


def test_worker_with_stale_embedded_url_is_one_line(cli: Cli) -> None:
    (cli.cwd / "var").mkdir()
    (cli.cwd / "var" / "redis.url").write_text("redis://127.0.0.1:1\n")
    assert_one_line_error(cli("worker", "--no-migrate"))
