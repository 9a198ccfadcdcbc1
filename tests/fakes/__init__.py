"""Fakes of the outside world (Twilio) that speak real HTTP, for tests and bench/ scripts."""

from __future__ import annotations

from tests.fakes.twilio_api import FakeTwilio

__all__ = ["FakeTwilio"]
