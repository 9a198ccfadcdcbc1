"""`steady content check`: every sendable text measured as it will really go out.

Placeholders are filled with their longest values (flows.content_schema), the helpline
footer is added, a lead is measured above the longest question it can sit over, and a
check-in day's text with its question; then the rules of flows.content_validate run.
"""

from __future__ import annotations

from flows import gsm
from flows.content_schema import (
    CHECKIN_DAYS,
    CRISIS_MAX_SEGMENTS,
    CRISIS_TEXT_KEYS,
    DATE_SAMPLE as DATE_SAMPLE_EN,
    DATE_SAMPLE_ES,
    DV_HOTLINE,
    ENGLISH,
    SPANISH,
    MAX_SEGMENTS,
    PERSONAL,
    PERSONAL_SAMPLE,
    PLAN_LEADS,
    PLAN_QUESTIONS,
    QUIT_DAY_KEYS,
    SAMPLES,
)
from flows.content_types import Content, MessageReport, PlanTexts, coping_menu
from flows.content_validate import (
    MESSAGE_SPEC,
    PLAN_SPEC,
    crisis_problems,
    first_segment_problems,
    fold,
    footer_problems,
    no_braces,
    personal_problems,
    safe_fill,
    shared_problems,
    template_problems,
)
from flows.helpline import ensure_helpline
from flows.outgoing import segment_limit
from flows.preferences import kind_labels


def check(content: Content) -> list[MessageReport]:
    """Every sendable text as sent (placeholders at their longest, helpline footer added),
    measured, with every problem found, in every language (English first). An empty
    problem list means the text is fine."""
    reports: list[MessageReport] = []
    for language in content.languages:
        reports += check_language(content.in_language(language))
    return reports


def check_language(content: Content) -> list[MessageReport]:
    """`check` for one language's texts only (the crisis kinds, shared, with English)."""
    language = content.language
    english = language == ENGLISH
    prefix = "" if english else f"{language}/"

    def measure(id: str, raw: str, sent: str, problems: list[str], limit: int = MAX_SEGMENTS,
                gsm_only: bool = False) -> MessageReport:
        return _measure(prefix + id, raw, sent, problems, limit, language, gsm_only or english)

    footer = content.helpline
    reports = [
        measure("safety.helpline", footer, footer, footer_problems(footer), gsm_only=True),
        measure("safety.crisis", content.crisis, content.crisis, crisis_problems(content.crisis),
                limit=CRISIS_MAX_SEGMENTS, gsm_only=True),
    ]
    for kind, texts in (content.crisis_kinds.items() if english else ()):   # shared: checked once
        for key in CRISIS_TEXT_KEYS:
            text = getattr(texts, key)
            problems = crisis_problems(text) + first_segment_problems(text)
            if kind == "violence" and DV_HOTLINE not in text:
                problems.append(f"must contain the National Domestic Violence Hotline, {DV_HOTLINE}")
            reports.append(_measure(f"safety.crisis_kinds.{kind}.{key}", text, _as_sent(text, footer), problems,
                                    limit=CRISIS_MAX_SEGMENTS))
    for topic, texts in content.crisis_topics.items():
        for kind, text in texts.items():
            id = f"safety.crisis_topics.{topic}" + ("" if kind == "default" else f".{kind}")
            reports.append(measure(id, text, _as_sent(text, footer), no_braces(text), limit=CRISIS_MAX_SEGMENTS,
                                   gsm_only=True))
    samples = samples_in(language)
    for id, template in content.messages.items():
        problems, filled = template_problems(MESSAGE_SPEC.get(id), template, samples, language)
        reports.append(measure(f"messages.{id}", template, _as_sent(filled, footer), problems))
    seen: dict[str, str] = {}
    for kind in ("encouragement", "mindfulness"):
        for n, text in enumerate(getattr(content, kind), 1):
            id = f"daily.{kind}[{n}]"
            problems = no_braces(text)
            first = seen.setdefault(fold(text), id)
            if first != id:
                problems.append(f"same text as {first}")
            reports.append(measure(id, text, _as_sent(text, footer), problems))
    return reports + _plan_reports(content.plan, footer, measure, language)


def samples_in(language: str) -> dict[str, str]:
    """The placeholders at their longest in this language (the daily kinds are named in it)."""
    samples = {**SAMPLES, "kinds": max(kind_labels(language).values(), key=len)}
    if language == SPANISH:        # flows.timeparse.format_time(language="es"): "12:30 p.m."
        samples.update({name: "12:30 p.m." for name in ("time", "nearest", "earliest", "latest")})
    return samples


def _measure(id: str, raw: str, sent: str, problems: list[str],
             limit: int = MAX_SEGMENTS, language: str = ENGLISH, gsm_only: bool = True) -> MessageReport:
    """The rules every text shares (on the text as written), then the caller's, then the
    length (on the text as sent). A Spanish text that may be UCS-2 has the same number
    of characters as its GSM-7 limit allows (`segment_limit`)."""
    found = shared_problems(raw, language, gsm_only) + problems
    count = gsm.segments(sent)
    if not gsm_only:
        limit = segment_limit(limit, sent)
    if count > limit:
        per_part = gsm.LIMITS[gsm.encoding(sent)][1]
        excess = sum(gsm.units(sent)) - limit * per_part
        why = "" if gsm.is_gsm7(sent) else f" (sent as UCS-2 because of \"{ucs2_reason(sent)}\")"
        found.append(f"too long: {count} segments as sent with the helpline footer{why}; "
                     f"at most {limit}. Cut about {excess} characters")
    return MessageReport(id=id, text=sent, encoding=gsm.encoding(sent), characters=len(sent),
                         segments=count, problems=found)



def _as_sent(text: str, footer: str) -> str:
    """The text with the footer, even when the footer is broken (that has its own report)."""
    try:
        return ensure_helpline(text, footer)
    except ValueError:
        return f"{text}\n{footer}"



def _longest(texts: list[str]) -> str:
    return max(texts, key=lambda t: (sum(gsm.units(t)), t)) if texts else ""


def ucs2_reason(text: str) -> str:
    """The first character that makes a text UCS-2 ("" for a GSM-7 text)."""
    found = gsm.first_non_gsm(text)
    return found[1] if found else ""


def _plan_samples(plan: PlanTexts, language: str = ENGLISH) -> dict[str, str]:
    """Each plan placeholder at its longest: the fixed parts as the flow fills them, the
    person's own words at PERSONAL_MAX (the flow cuts them to fit)."""
    flow = plan.flow
    not_set = flow.get("show_not_set", "")
    DATE_SAMPLE = DATE_SAMPLE_ES if language == SPANISH else DATE_SAMPLE_EN  # noqa: N806
    return {
        **samples_in(language),
        "date": DATE_SAMPLE,
        "options": coping_menu(plan.coping_options),
        "parts": "\n".join(f"{n} {label}" for n, label in enumerate(plan.menu_parts.values(), 1)),
        "quit_date": _longest([DATE_SAMPLE, not_set]),
        "mat": _longest([flow.get("show_mat_yes", ""), flow.get("show_mat_no", ""), not_set]),
        "texts": _longest([flow.get("show_texts_on", ""), flow.get("show_texts_off", "")]),
        **{name: PERSONAL_SAMPLE for name in PERSONAL},
    }


def _plan_reports(plan: PlanTexts, footer: str, _measure=_measure, language: str = ENGLISH) -> list[MessageReport]:
    """plan.yaml's texts as sent: a lead with the longest question it can sit above, a
    check-in day with its question, a personal text with answers PERSONAL_MAX long."""
    samples = _plan_samples(plan, language)
    reports = []
    filled_flow: dict[str, str] = {}
    for id, template in plan.flow.items():
        problems, filled = template_problems(PLAN_SPEC.get(id), template, samples, language)
        filled_flow[id] = filled
        if id in PLAN_LEADS:
            questions = [filled_flow.get(q) or safe_fill(plan.flow.get(q, ""), samples) for q in PLAN_QUESTIONS]
            filled = f"{filled}\n{_longest(questions)}"
        reports.append(_measure(f"plan.flow.{id}", template, _as_sent(filled, footer), problems))
    seen: dict[str, str] = {}
    for n, option in enumerate(plan.coping_options, 1):
        id = f"plan.coping_options[{n}]"
        problems = ["{ and } are sent as they are here: write the choice plainly"] if "{" in option or "}" in option else []
        first = seen.setdefault(fold(option), id)
        if first != id:
            problems.append(f"same text as {first}")
        reports.append(_measure(id, option, _as_sent(option, footer), problems))
    question = safe_fill(plan.flow.get("checkin_question", ""), samples)
    for offset, day in plan.quit_days.items():
        key = QUIT_DAY_KEYS.get(offset, str(offset))
        tail = f"\n{question}" if offset in CHECKIN_DAYS else ""
        problems = (["{ and } are sent as they are in a plain text; put {triggers}, {coping} "
                     "or {people} in its personal text"] if "{" in day.plain or "}" in day.plain else [])
        reports.append(_measure(f"plan.quit_days.{key}.plain", day.plain,
                                _as_sent(day.plain + tail, footer), problems))
        if day.personal:
            problems, filled = personal_problems(day.personal, samples)
            reports.append(_measure(f"plan.quit_days.{key}.personal", day.personal,
                                    _as_sent(filled + tail, footer), problems))
    return reports

