"""Steady's words, checked: the entry point for loading content (`build`) and measuring it (`check`).

The work is split by what it is:
- flows.content_schema: what content must hold, as data (one spec per text, the limits);
- flows.content_validate: the structure of each file and the rules every text keeps;
- flows.content_measure: every text as it will be sent, measured (`steady content check`);
- flows.content_types: the frozen values the flows read.
`build` turns parsed YAML into a `Content` and refuses anything a person should never
receive (a broken encoding, a dropped helpline, a stigmatising word). Parsing the files is
the loader's job (`content.load`); this module only sees plain data. The names other
modules import stay importable from here.
"""

from __future__ import annotations

from typing import Any, Mapping

from flows.content_measure import check, check_language
from flows.content_schema import (
    CHECKIN_DAYS,
    CRISIS_MAX_SEGMENTS,
    DAILY,
    DATE_SAMPLE,
    FILES,
    LANGUAGES,
    TRANSLATED_FILES,
    KEYWORDS,
    MAX_SEGMENTS,
    MESSAGE_IDS,
    MESSAGES,
    MUST_CONTAIN,
    PERSONAL,
    PERSONAL_MAX,
    PLAN,
    PLAN_FLOW_IDS,
    PLAN_MUST_CONTAIN,
    PROGRAM_MAX,
    QUIT_DAY_KEYS,
    QUIT_KEYWORD,
    SAFETY,
    SAMPLES,
    STIGMA,
    SUPPORT_MAX,
    TIME_MAX,
    ZONE_MAX,
)
from flows.content_types import (
    Content,
    ContentError,
    CrisisTexts,
    IntentWords,
    MessageReport,
    PlanTexts,
    QuitDayText,
    coping_menu,
)
from flows.content_validate import read, read_translation

__all__ = [
    "CHECKIN_DAYS", "CRISIS_MAX_SEGMENTS", "DAILY", "DATE_SAMPLE", "FILES", "LANGUAGES", "TRANSLATED_FILES", "KEYWORDS", "MAX_SEGMENTS",
    "MESSAGE_IDS", "MESSAGES", "MUST_CONTAIN", "PERSONAL", "PERSONAL_MAX", "PLAN", "PLAN_FLOW_IDS",
    "PLAN_MUST_CONTAIN", "PROGRAM_MAX", "QUIT_DAY_KEYS", "QUIT_KEYWORD", "SAFETY", "SAMPLES", "STIGMA",
    "SUPPORT_MAX", "TIME_MAX", "ZONE_MAX", "Content", "ContentError", "CrisisTexts", "IntentWords",
    "MessageReport", "PlanTexts", "QuitDayText", "build", "check", "coping_menu",
]


def build(raw: Mapping[str, Any], translations: Mapping[str, Mapping[str, Any]] | None = None) -> Content:
    """Validate parsed content files ({"safety.yaml": {...}, ...}) into a Content, with
    each translation's files ({"es": {"messages.yaml": {...}, ...}}) as its languages.

    Raises the first ContentError found: the structure of each file first (a translation
    against the English), then every text of every language as `check` measures it.
    """
    content = read(raw)
    _refuse(check_language(content))           # English first: a translation is read against it
    others = [read_translation(files, language, content) for language, files in (translations or {}).items()]
    for other in others:
        _refuse(check_language(other))
    return Content.joined(content, *others)


def _refuse(reports: list[MessageReport]) -> None:
    for report in reports:
        if report.problems:
            raise ContentError(report.file, report.key, report.problems[0])
