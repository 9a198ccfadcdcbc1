"""Logging that keeps what these texts reveal out of the logs.

Code logs masked numbers and never bodies; this filter is the second line: any run
of digits that looks like a phone number in a log line is masked before it is written.
"""

from __future__ import annotations

import logging
import re
import time

from bot.phones import mask

# E.164 (+ and 8-15 digits), 10-15 bare digits, or the North American 3-3-4 shapes
# ("(415) 555-0123", "415.555.0123"); never timestamps like 2026-11-24 06:00:16.
PHONE_LIKE = re.compile(
    r"(?<![\w*])(?:\+\d{8,15}|\d{10,15}|(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4})(?!\w)"
)


class MaskNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = PHONE_LIKE.sub(lambda m: mask(m.group(0)), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure(level: str = "INFO") -> None:
    """Once per process: one stream handler with the masking filter."""
    root = logging.getLogger()
    if any(isinstance(f, MaskNumbers) for h in root.handlers for f in h.filters):
        root.setLevel(level)
        return
    handler = logging.StreamHandler()
    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s")
    formatter.converter = time.gmtime  # UTC in logs too, never the server's zone
    handler.setFormatter(formatter)
    handler.addFilter(MaskNumbers())
    root.addHandler(handler)
    root.setLevel(level)
    # One line a minute saying a job ran is noise; our own tick line says what it did.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
