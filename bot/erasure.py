"""The one erase, by text (bot.conversation) and by `steady people erase` alike, and the
keyed hash that is all it leaves of a number.

What stays is what keeps Steady from texting the number again without consent and what
carriers expect as proof of consent: HMAC-SHA256 of the E.164 number under the data key,
marked erased with the time, and the consent events (kind, keyword, time) re-keyed to it.
Without the key the hash says nothing about the number; with it, only a number already
known can be checked against it.

The key is STEADY_DATA_KEY (it seals numbers and plans too: bot.crypto), required by every
process (bot.crypto.require_key) but `steady run` and `steady chat`, for which `data_key`
keeps one in the instance folder (`data.key`, made once with mode 0600) when it is unset
(bot.crypto.local_key).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from datetime import datetime

from bot import twilio_deletions
from bot.db import private_folder
from bot.settings import Settings

log = logging.getLogger(__name__)

KEY_FILE = "data.key"


def key_path(settings: Settings) -> str:
    return os.path.join(settings.instance_dir, KEY_FILE)


def data_key(settings: Settings) -> bytes:
    """STEADY_DATA_KEY, else the instance folder's key, made now (0600) if there is none."""
    if settings.data_key:
        return settings.data_key.encode("utf-8")
    path = key_path(settings)
    try:
        with open(path, encoding="utf-8") as fh:
            kept = fh.read().strip()
        if kept:
            return kept.encode("utf-8")
    except FileNotFoundError:
        pass
    private_folder(settings.instance_dir)
    made = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:   # another process made it first: use theirs
        return data_key(settings)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(made + "\n")
    log.info("made a data key in the instance folder (%s); set STEADY_DATA_KEY in a deploy", KEY_FILE)
    return made.encode("utf-8")


def number_hash(key: bytes, number: str) -> str:
    """The keyed hash of an E.164 number: 64 hex characters."""
    return hmac.new(key, number.encode("utf-8"), hashlib.sha256).hexdigest()


class SendInFlight(Exception):
    """A text to the person has reached Twilio's door and has no result yet: the erase
    waits for it (bot.outbox.wait_in_flight) so nothing reaches them after its confirmation."""

    def __init__(self, person_id: int) -> None:
        super().__init__(f"a text to person {person_id} is in flight")
        self.person_id = person_id


def erase(tx, number: str, key: bytes, now: datetime, *, wait_for_sends: bool = True,
          at_twilio: bool = False) -> int:
    """Erase everything about the number in `tx`, on every channel it has (SMS, WhatsApp),
    leaving its keyed hash and its consent record (bot.store.Tx.erase_person); how many
    people it erased.

    Each person's row is locked first, as the outbox's last consent check locks it: after
    this commits, that check finds no one and lets nothing through. A request it let
    through before is still in flight: with `wait_for_sends` this raises SendInFlight (the
    caller rolls back, waits for its result and tries again), so the confirmation never
    overtakes it; without, the erase goes ahead and that request's result is dropped.
    With `at_twilio` (STEADY_TWILIO_DELETE_MESSAGES), their texts at Twilio are queued for
    deletion first (bot.twilio_deletions)."""
    digest = number_hash(key, number)
    ids = tx.people_with_number(number)
    for person_id in ids:
        tx.lock_person(person_id)
        if wait_for_sends and tx.texts_in_flight(person_id):
            raise SendInFlight(person_id)
    for person_id in ids:
        if at_twilio:
            twilio_deletions.queue_person(tx.session.connection(), person_id, now)
        tx.erase_person(person_id, digest, now)
    return len(ids)


# How many times an erase waits for a text in flight, then erases anyway.
TRIES = 3


def erase_number(store, number: str, key: bytes, now: datetime, *, at_twilio: bool = False) -> int:
    """`steady people erase`: the erase by text, in a transaction of its own; how many
    people (one per channel) it erased."""
    from bot import outbox       # bot.outbox imports the store; the CLI needs it only here

    erased = 0
    for attempt in range(1, TRIES + 1):
        try:
            with store.transaction() as tx:
                erased = erase(tx, number, key, now, wait_for_sends=attempt < TRIES, at_twilio=at_twilio)
            break
        except SendInFlight as busy:
            outbox.wait_in_flight(store, busy.person_id)
    if erased:
        log.info("a person was erased by the operator")       # never the number
    return erased


def export(store, number: str, key: bytes) -> dict:
    """`steady people export`: everything stored about the number, as JSON-able data: each
    person row for it (one per channel) with every row about them, and what stays of it
    if it was erased (its keyed hash, when, and the consent events kept with it)."""
    with store.transaction() as tx:
        people = [tx.everything_about(person_id) for person_id in tx.people_with_number(number)]
        kept = tx.erased_record(number_hash(key, number))
    return {"number": number, "people": people, "erased": kept}
