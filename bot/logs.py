"""Logging that keeps what these texts reveal out of the logs.

Code logs masked numbers and never bodies; this mask is the second line: any run of
digits that looks like a phone number is masked in every log record as the record is
made, in the message and in the traceback or stack logged with it (a database error's
text may quote a value: PostgreSQL's "Key (number)=(+1...) already exists"). A database
error's detail that quotes a whole row or a value ("Failing row contains (...)", with the
plan's answers and a text's body in it) is hidden altogether, in tracebacks and messages.
twilio's library logs every request it makes at INFO, account SID in the URL: it is held
at WARNING unless the log level is DEBUG.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import suppress

from bot.phones import mask

# E.164 (+ and 8-15 digits, or %2B and digits as a URL's query writes it: twilio's and
# urllib3's request lines at DEBUG), 10-15 bare digits, or the North American 3-3-4 shapes
# ("(415) 555-0123", "415.555.0123"); never timestamps like 2026-11-24 06:00:16.
PHONE_LIKE = re.compile(
    r"(?<![\w*])(?:%2[Bb]\d{8,15}|\+\d{8,15}|\d{10,15}|(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4})(?!\w)"
)

# PostgreSQL's detail on a check or not-null violation quotes the whole row, each column's
# value: hidden to the end of its line (the exact detail of an error in a traceback is
# hidden whole, newlines and all: _quoted_by_database).
FAILING_ROW = re.compile(r"Failing row contains \(.*")
HIDDEN = "(values hidden)"


# How a handler formats a traceback (logging's default), so it can be masked first.
_TRACEBACKS = logging.Formatter()


def mask_numbers(text: str) -> str:
    text = FAILING_ROW.sub("Failing row contains " + HIDDEN, text)
    return PHONE_LIKE.sub(_mask_match, text)


def _mask_match(match: re.Match) -> str:
    found = match.group(0)
    return mask("+" + found[3:]) if found[:3].upper() == "%2B" else mask(found)


def _quoted_by_database(exc: BaseException | None) -> list[str]:
    """The DETAIL and CONTEXT of each PostgreSQL error in `exc`'s chain (psycopg's `diag`,
    on the error or on SQLAlchemy's wrapper's `orig`) that may quote stored values: all of
    them but a key's ("Key (number)=(...)" holds a key, and the number in it is masked)."""
    quoted, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for error in (exc, getattr(exc, "orig", None)):
            diag = getattr(error, "diag", None)
            for name in ("message_detail", "context"):
                value = getattr(diag, name, None)
                if isinstance(value, str) and value.strip() and not value.startswith("Key ("):
                    quoted.append(value)
        exc = exc.__cause__ or exc.__context__
    return quoted


def _mask_traceback(text: str, exc: BaseException | None) -> str:
    for value in _quoted_by_database(exc):
        text = text.replace(value, HIDDEN)
    return mask_numbers(text)


class MaskNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        # The formatter uses exc_text when it is set: format the traceback here, masked.
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _mask_traceback(record.exc_text, record.exc_info[1] if record.exc_info else None)
        if record.stack_info:
            record.stack_info = mask_numbers(record.stack_info)
        return True


_MASK = MaskNumbers()


def mask_every_record() -> None:
    """From now on every log record this process makes is masked as it is made, so every
    handler gets it masked: ours, gunicorn's own, pytest's caplog, an error tracker's.
    (A handler's filter would only protect that handler's output.)"""
    make = logging.getLogRecordFactory()
    if getattr(make, "masks_numbers", False):
        return

    def masked_record(*args, **kwargs) -> logging.LogRecord:
        record = make(*args, **kwargs)
        with suppress(Exception):                  # a bad format string: the handler reports it
            _MASK.filter(record)
        return record

    masked_record.masks_numbers = True
    logging.setLogRecordFactory(masked_record)


def configure(level: str = "INFO") -> None:
    """Once per process: every record masked, one stream handler (with the mask too)."""
    mask_every_record()
    root = logging.getLogger()
    if any(isinstance(f, MaskNumbers) for h in root.handlers for f in h.filters):
        root.setLevel(level)
        _quiet_libraries(root.level)
        return
    handler = logging.StreamHandler()
    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime  # UTC in logs too, never the server's zone
    handler.setFormatter(formatter)
    handler.addFilter(MaskNumbers())
    root.addHandler(handler)
    root.setLevel(level)
    _quiet_libraries(root.level)


def _quiet_libraries(level: int) -> None:
    # One line a minute saying a job ran is noise; our own tick line says what it did.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, level))
    # Eleven lines per text sent, with the account SID in the URL: for debugging only.
    logging.getLogger("twilio").setLevel(logging.NOTSET if level <= logging.DEBUG else logging.WARNING)
