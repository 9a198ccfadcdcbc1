"""The shipped content and the models trained from its examples, built once per test run.

Pure engine tests need a real Understanding (there is no fake that reads texts
honestly); training takes a few seconds, and `models_for` keeps the result in memory
for every later test in the same process.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import content as content_package
from bot.understanding import models_for
from flows.matcher import Matcher
from flows.understand import Understanding

CONTENT = content_package.load()
MATCHER = Matcher(CONTENT.keywords)
# Servers and CLI processes the tests start load the models from this cache instead of
# training again (conftest points STEADY_MODEL_CACHE here before any app is built).
if "STEADY_MODEL_CACHE" not in os.environ:
    os.environ["STEADY_MODEL_CACHE"] = tempfile.mkdtemp(prefix="steady-models-")
    atexit.register(shutil.rmtree, os.environ["STEADY_MODEL_CACHE"], ignore_errors=True)
MODEL_CACHE = os.environ["STEADY_MODEL_CACHE"]
UNDERSTANDING = Understanding(models_for(CONTENT.examples, MODEL_CACHE), MATCHER)


def as_sent(text: str) -> str:
    """A text the engine composed, as it leaves (flows.outgoing: the one door), checked
    to have needed no folding and no cut: the engine's own words are SMS-safe and fit."""
    from flows.outgoing import outgoing

    sent = outgoing(text, CONTENT.helpline)
    assert sent in (text, f"{text}\n{CONTENT.helpline}"), "the door had to fold or cut the engine's text"
    return sent
