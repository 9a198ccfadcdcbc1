"""bot.console.staff, the rules behind the login form, on each database: accounts, hashes,
the lockout, the per-address limit and the audit rows, with time moved by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from bot.console import staff
from tests.console.conftest import START

pytestmark = pytest.mark.db

PASSWORD = "a long enough password 1"
WRONG = "not the right password"


def test_an_account_stores_an_argon2id_hash_and_matches_its_email_case_blind(store):
    assert staff.add(store, " Ops@Example.ORG ", PASSWORD, START) == "ops@example.org"
    (account,) = staff.listing(store)
    assert account.password_hash.startswith("$argon2id$v=19$") and PASSWORD not in account.password_hash
    assert staff.login(store, "OPS@example.org", PASSWORD, "192.0.2.1", START).email == "ops@example.org"
    assert staff.exists(store, "ops@example.org") and not staff.exists(store, "other@example.org")


@pytest.mark.parametrize("email,password", [("ops@example.org", "x" * 11), ("ops@example.org", "x" * 1025),
                                            ("ops", PASSWORD), ("two words@example.org", PASSWORD), ("", PASSWORD)])
def test_bad_emails_and_passwords_make_no_account(store, email, password):
    with pytest.raises(staff.StaffError):
        staff.add(store, email, password, START)
    assert staff.listing(store) == []


def test_the_lock_comes_at_the_fifth_wrong_password_and_lasts_15_minutes(store):
    staff.add(store, "ops@example.org", PASSWORD, START)
    outcomes = [staff.login(store, "ops@example.org", WRONG, None, START) for _ in range(5)]
    assert [o.locked for o in outcomes] == [False] * 4 + [True] and all(o.email is None for o in outcomes)
    (account,) = staff.listing(store)
    assert account.locked_until == START + staff.LOCK_FOR and account.failed_logins == 0
    assert staff.login(store, "ops@example.org", PASSWORD, None, START + timedelta(minutes=14, seconds=59)).email is None
    assert staff.login(store, "ops@example.org", PASSWORD, None, START + staff.LOCK_FOR + timedelta(seconds=1)).email
    (account,) = staff.listing(store)
    assert account.locked_until is None and account.failed_logins == 0


def test_wrong_passwords_while_locked_do_not_extend_the_lock(store):
    staff.add(store, "ops@example.org", PASSWORD, START)
    for _ in range(5):
        staff.login(store, "ops@example.org", WRONG, None, START)
    for minute in range(1, 15):
        staff.login(store, "ops@example.org", WRONG, None, START + timedelta(minutes=minute))
    assert staff.login(store, "ops@example.org", PASSWORD, None, START + timedelta(minutes=16)).email


def test_the_address_limit_counts_failures_of_every_account_within_the_window(store):
    staff.add(store, "ops@example.org", PASSWORD, START)
    for n in range(staff.ADDRESS_FAILURES - 1):
        staff.login(store, f"guess{n}@example.org", WRONG, "198.51.100.9", START)
    assert not staff.address_blocked(store, "198.51.100.9", START)
    staff.login(store, "nobody@example.org", WRONG, "198.51.100.9", START)
    assert staff.address_blocked(store, "198.51.100.9", START)
    assert not staff.address_blocked(store, "198.51.100.10", START) and not staff.address_blocked(store, None, START)
    assert staff.login(store, "ops@example.org", PASSWORD, "198.51.100.9", START).email is None
    assert staff.login(store, "ops@example.org", PASSWORD, "198.51.100.9", START + staff.LOCK_FOR).email


def test_audit_rows_name_the_account_but_never_an_unknown_email(store):
    staff.add(store, "ops@example.org", PASSWORD, START)
    staff.login(store, "ops@example.org", PASSWORD, "192.0.2.1", START)
    staff.login(store, "ops@example.org", WRONG, "192.0.2.1", START)
    staff.login(store, "who@example.org", WRONG, "192.0.2.2", START)
    staff.audit(store, "ops@example.org", "export overview.csv", "192.0.2.1", START)
    rows = [(r.staff, r.action, r.address, r.at) for r in reversed(staff.audit_rows(store))]
    assert rows == [("ops@example.org", staff.LOGIN, "192.0.2.1", START),
                    ("ops@example.org", staff.LOGIN_FAILED, "192.0.2.1", START),
                    (None, staff.LOGIN_FAILED, "192.0.2.2", START),
                    ("ops@example.org", "export overview.csv", "192.0.2.1", START)]


def test_an_old_hash_is_upgraded_at_the_next_login(store):
    from argon2 import PasswordHasher

    staff.add(store, "ops@example.org", PASSWORD, START)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    with store.transaction() as tx:
        tx.session.execute(staff.ConsoleStaff.__table__.update().values(password_hash=weak))
    assert staff.login(store, "ops@example.org", PASSWORD, None, START).email
    (account,) = staff.listing(store)
    assert account.password_hash != weak and not staff.HASHER.check_needs_rehash(account.password_hash)


def test_production_hashes_are_argon2id_with_rfc_9106s_second_profile():
    from argon2 import Type, profiles

    assert staff.PROFILE == profiles.RFC_9106_LOW_MEMORY
    assert (staff.PROFILE.type, staff.PROFILE.time_cost, staff.PROFILE.memory_cost) == (Type.ID, 3, 64 * 1024)


def test_remove(store):
    staff.add(store, "ops@example.org", PASSWORD, START)
    assert staff.remove(store, "OPS@example.org") and not staff.remove(store, "ops@example.org")
    assert staff.login(store, "ops@example.org", PASSWORD, None, START).email is None


class CountingHasher(PasswordHasher):
    """The cheap test hasher, counting verifications."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        self.verified += 1
        return super().verify(hash, password)


def test_an_unknown_email_costs_a_verification_like_a_known_one(store, monkeypatch):
    hasher = CountingHasher()
    monkeypatch.setattr(staff, "HASHER", hasher)
    staff.add(store, "ops@example.org", PASSWORD, START)
    staff.login(store, "ops@example.org", WRONG, None, START)
    staff.login(store, "nobody@example.org", WRONG, None, START)
    staff.login(store, "nobody@example.org", PASSWORD, None, START)
    assert hasher.verified == 3
