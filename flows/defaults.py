"""The defaults a turn falls back on, stated once.

The engine's types (State, Context, QuietHours) take them when built bare, as tests do;
bot.settings declares each one as the default of its setting, so a deploy that sets
nothing runs on exactly these. flows/ must not import bot/, hence they live here.
"""

from __future__ import annotations

from datetime import time, timedelta

PROGRAM = "Steady"                                  # STEADY_PROGRAM_NAME
SUPPORT = "ask the staff who gave you this number"  # STEADY_SUPPORT_CONTACT
SUPPORT_ES = "pregunta a quien te dio este número"   # the same default, in Spanish texts
TIMEZONE = "America/New_York"                       # STEADY_DEFAULT_TIMEZONE
SEND_TIME = time(9, 0)                              # STEADY_DEFAULT_SEND_TIME
SENDING_START = time(8, 0)                          # STEADY_QUIET_START: scheduled texts from ...
SENDING_END = time(21, 0)                           # STEADY_QUIET_END: ... to, both included
CRAVING_FOLLOWUP_AFTER = timedelta(minutes=15)      # STEADY_CRAVING_FOLLOWUP_MINUTES
CRISIS_WINDOW = timedelta(minutes=30)               # STEADY_CRISIS_MINUTES

