"""Scheduled texts after a turn, inside the turn's transaction: each command the engine
gives (flows.commands, and the follow-ups of flows.turn_values) is carried out by the handler
its type names in one table, cosmicpython's message bus in small. No adapter works out
what a turn did by comparing the state before and after; the engine says it.

The writers are listed here once, in the order the clock runs them (bot.app's tick):
quit-date texts first, so that on a program day the daily text can make way for them. A
turn needs no order of writers: each command names the one it is for.
"""

from __future__ import annotations

from datetime import datetime

from bot.daily_writer import Daily
from bot.outbox import Outbox
from bot.quit_date_writer import QuitDates
from flows.commands import CancelScheduled, DailyTextsChanged, QuitDateTextsChanged, replan
from flows.turn_values import FollowUp, Outcome, State
from flows.outgoing import outgoing


class Schedules:
    """The writers of scheduled texts and the handlers of a turn's commands."""

    def __init__(self, daily: Daily, quit_dates: QuitDates, outbox: Outbox, footer: str):
        self.outbox = outbox
        self.footer = footer
        self.content = daily.content      # for the footer in each person's language (issue 13)
        self.writers = (quit_dates, daily)
        self.handlers = {
            CancelScheduled: self._cancel,
            DailyTextsChanged: daily.texts_changed,
            QuitDateTextsChanged: quit_dates.texts_changed,
            FollowUp: self._follow_up,
        }

    def after_turn(self, tx, person, outcome: Outcome, now: datetime) -> None:
        commands = outcome.commands
        if person.undeliverable:
            # They wrote to us, so the number works again (a phone back on after 30003s):
            # what their consent allows is planned again. If it still can't get texts, the
            # next receipt says so again.
            person.undeliverable = False
            commands = replan(outcome.state) + commands
        for command in commands + outcome.followups:
            self.handlers[type(command)](tx, person, command, outcome.state, now)

    def _cancel(self, tx, person, command: CancelScheduled, state: State, now: datetime) -> None:
        self.outbox.cancel_pending(tx.session, person.id, command.kinds)

    def _follow_up(self, tx, person, followup: FollowUp, state: State, now: datetime) -> None:
        footer = self.content.in_language(state.language).helpline if self.content is not None else self.footer
        body = outgoing(followup.text, footer)     # the one door, where it enters the outbox
        self.outbox.schedule_followup(tx.session, person.id, followup.kind, followup.due_at, body, now, state.timezone)
