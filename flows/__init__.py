"""Steady's conversation engine: pure functions of (text, state, content, now).

Nothing in this package imports Flask, Twilio, SQLAlchemy or reads the clock, so
every rule here is testable without I/O (a test checks the imports).
"""
