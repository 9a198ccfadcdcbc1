"""`steady staff add | list | remove`, in-process with click's CliRunner, on SQLite and
PostgreSQL: accounts an operator makes on the server, with argon2id hashes; the password
never printed."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.timeutil import utcnow
from bot.console import staff
from bot.models import ConsoleStaff
from bot.store import Store
from tests.console.conftest import START, cheap_hashes  # noqa: F401  (autouse: cheap argon2id)
from tests.support import TEST_DATA_KEY

pytestmark = pytest.mark.db

PASSWORD = "twelve chars and more"


@pytest.fixture
def cli(database_url, tmp_path, engine):
    runner = CliRunner()
    env = {"DATABASE_URL": database_url, "STEADY_INSTANCE_PATH": str(tmp_path), "STEADY_DATA_KEY": TEST_DATA_KEY}

    def run(*args, input=None):
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    return run


def _accounts(engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(select(ConsoleStaff.email, ConsoleStaff.password_hash)).all())


def test_add_reads_the_password_from_stdin_and_stores_only_an_argon2id_hash(cli, engine):
    result = cli("staff", "add", "Ops@Example.org", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "made a console account for ops@example.org" in result.output and PASSWORD not in result.output
    (hashed,) = _accounts(engine).values()
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert staff.login(Store(engine), "ops@example.org", PASSWORD, "192.0.2.1", START).email == "ops@example.org"


def test_add_asks_twice_and_refuses_two_different_answers(cli, engine):
    result = cli("staff", "add", "ops@example.org", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output and "Repeat for confirmation" in result.output
    result = cli("staff", "add", "two@example.org", input=f"{PASSWORD}\n{PASSWORD}x\n")
    assert result.exit_code != 0 and "do not match" in result.output
    assert set(_accounts(engine)) == {"ops@example.org"}


@pytest.mark.parametrize("email,password,message", [
    ("ops@example.org", "eleven char", "at least 12 characters"),
    ("not-an-email", PASSWORD, "is not an email address"),
])
def test_add_refuses_a_short_password_or_a_bad_email(cli, engine, email, password, message):
    result = cli("staff", "add", email, "--password-stdin", input=password + "\n")
    assert result.exit_code == 1 and message in result.output
    assert _accounts(engine) == {}


def test_add_refuses_an_email_that_has_an_account(cli, engine):
    assert cli("staff", "add", "ops@example.org", "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    result = cli("staff", "add", "OPS@example.org", "--password-stdin", input="another password 12\n")
    assert result.exit_code == 1 and "already has an account" in result.output
    assert staff.login(Store(engine), "ops@example.org", PASSWORD, None, START).email == "ops@example.org"


def test_list_and_remove(cli, engine):
    for email in ("b@example.org", "a@example.org"):
        assert cli("staff", "add", email, "--password-stdin", input=PASSWORD + "\n").exit_code == 0
    for _ in range(staff.WRONG_PASSWORDS_TO_LOCK):
        staff.login(Store(engine), "b@example.org", "a wrong password", None, utcnow())
    result = cli("staff", "list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("a@example.org  made ") and "locked" not in lines[0]
    assert lines[1].startswith("b@example.org  made ") and lines[1].endswith(" UTC") and "locked until" in lines[1]
    assert lines[2] == "2 account(s)"
    result = cli("staff", "remove", "A@example.org")
    assert result.exit_code == 0 and "removed the console account of a@example.org" in result.output
    assert set(_accounts(engine)) == {"b@example.org"}
    result = cli("staff", "remove", "a@example.org")
    assert result.exit_code == 1 and "no console account for a@example.org" in result.output


def test_staff_commands_refuse_a_database_never_migrated(database_url, tmp_path, empty_engine):
    result = CliRunner().invoke(main, ["staff", "list"], env={
        "DATABASE_URL": database_url, "STEADY_INSTANCE_PATH": str(tmp_path), "STEADY_DATA_KEY": TEST_DATA_KEY})
    assert result.exit_code == 1 and "steady db upgrade" in result.output
