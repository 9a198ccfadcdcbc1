"""The `steady` command. Its commands and flags are a contract operators rely on:
run, chat (--from, --json), content check, db upgrade, tick (--now), clock, twilio
opt-out-text, prune (--now, --json), people export, people erase, staff add (--password-stdin),
staff list, staff remove."""

from __future__ import annotations

import json
import sys

import click

from bot.settings import Settings, SettingsError

DEFAULT_CHAT_NUMBER = "+15555550100"


def _settings(*, local: bool = False, **fallbacks) -> Settings:
    """The environment's settings, every problem in one refusal; `fallbacks` are this
    command's own defaults for variables left unset (by Settings field name). `local`:
    `steady run` and `steady chat`, which keep a data key in the instance folder when
    STEADY_DATA_KEY is unset (bot.crypto.local_key); every other command needs it set."""
    from bot import crypto

    try:
        settings = Settings.from_env(fallbacks=fallbacks)
        if local:
            settings = crypto.local_key(settings)
        crypto.require_key(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    return settings


def _steady(settings: Settings):
    """Bootstrap without migrating: a database behind this code's migrations is refused."""
    from bot import db, logs
    from bot.app import bootstrap
    from flows.content import ContentError

    logs.configure(settings.log_level)
    try:
        return bootstrap(settings)
    except ContentError as exc:
        raise click.ClickException(f"content is invalid: {exc}") from None
    except db.SchemaNotCurrent as exc:
        raise click.ClickException(str(exc)) from None


def _require_twilio(settings: Settings, command: str) -> None:
    """tick and clock send for real or not at all: refuse to start without Twilio settings."""
    from bot.app import twilio_missing_message

    if not settings.twilio_sending_configured:
        raise click.ClickException(
            f"`steady {command}` cannot start. {twilio_missing_message(settings)} "
            "(README: What a deploy must set). Without a Twilio account, `steady run` shows "
            "the texts it would send on its console."
        )


@click.group()
def main() -> None:
    """Steady: text-message support for people who want to stop using heroin."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help=f"Defaults to $PORT, then {Settings.port}.")
@click.option("--clock/--no-clock", "with_clock", default=True, show_default=True,
              help="Also tick the clock in this process (development only; production runs `steady clock`).")
def run(host: str, port: int | None, with_clock: bool) -> None:
    """Start Steady locally (migrates; console transport unless Twilio is configured)."""
    from bot.app import create_app
    from bot.transport import ConsoleTransport

    overrides = {}
    # Served over plain http on this machine: the console's cookie cannot be HTTPS-only here.
    settings = _settings(local=True, console_secure_cookie=False)
    if not settings.twilio_auth_token and settings.verify_signatures:
        overrides["verify_signatures"] = False
    settings = settings.with_(**overrides)
    transport = None if settings.twilio_sending_configured else ConsoleTransport()
    app = create_app(settings, transport=transport, migrate=True)
    port = port or settings.port
    if with_clock:
        import threading

        from bot.clock import run_clock

        steady = app.extensions["steady"]
        threading.Thread(target=run_clock, args=(steady.tick,), daemon=True, name="clock").start()
    if transport is not None:
        from bot.app import twilio_missing_message

        click.echo(f"{twilio_missing_message(settings)}; texts Steady would send are shown here, numbers masked.")
    click.echo(f"Steady is listening on http://{host}:{port}/sms  (try it without a phone: steady chat)")
    if settings.console:
        click.echo(f"The operator console is at http://{host}:{port}/console/login (accounts: steady staff add EMAIL)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--from", "sender", default=DEFAULT_CHAT_NUMBER, show_default=True, help="The simulated number.")
@click.option("--json", "as_json", is_flag=True, help="Read one message per line from stdin; write one JSON object per line.")
def chat(sender: str, as_json: bool) -> None:
    """Talk to Steady as a texter would, through the same code path as the webhook."""
    from bot import phones
    from bot.conversation import Inbound
    from bot.timeutil import utcnow

    settings = _settings(local=True, log_level="WARNING")   # unless STEADY_LOG_LEVEL says: keep it readable
    try:
        phones.parse_address(sender, settings.default_region)
    except ValueError as exc:
        raise click.ClickException(f"--from {sender!r} is not a phone number ({exc})") from None
    steady = _steady(settings)

    def answer(text: str):
        try:
            return steady.conversation.handle(Inbound(sender=sender, body=text, now=utcnow()))
        except ValueError as exc:
            raise click.ClickException(f"--from {sender!r} is not a phone number ({exc})") from None

    if as_json:
        for line in sys.stdin:
            result = answer(line.rstrip("\n"))
            line = {"intent": result.intent, "replies": list(result.replies)}
            if result.detail:
                line["detail"] = result.detail     # crisis kind, crisis-mode topic or check-in answer
            click.echo(json.dumps(line))
        return
    click.echo(f"Texting Steady as {sender}. Ctrl-D to leave.")
    while True:
        try:
            text = input("you> ")
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        result = answer(text)
        if not result.replies:
            click.echo("(no reply)")
        for reply in result.replies:
            click.echo(f"steady> {reply}\n")


LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@main.group()
def content() -> None:
    """The words Steady sends."""


@content.command("check")
@click.option("--quiet", is_flag=True, help="Only print problems.")
def content_check(quiet: bool) -> None:
    """List every message with its encoding and segments; fail on any problem."""
    import content as content_package
    from flows.content import ContentError, check

    try:
        loaded = content_package.load()
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    from flows.content_measure import ucs2_reason
    from flows.outgoing import segment_limit

    reports = check(loaded)
    problems = 0
    language = None
    for report in reports:
        if report.problems:
            problems += len(report.problems)
        if report.language != language and not quiet:
            language = report.language
            click.echo(f"== {LANGUAGE_NAMES.get(language, language)} ({language}) ==")
        if report.problems or not quiet:
            status = "OK " if not report.problems else "BAD"
            why = ""
            if report.encoding != "GSM-7":    # Spanish texts may be UCS-2: say why, and the room it has
                why = f" (UCS-2 for \"{ucs2_reason(report.text)}\": up to {segment_limit(3, report.text)} seg)"
            click.echo(f"{status} {report.language} {report.id:<35} {report.encoding:<6} {report.characters:>4} chars "
                       f"{report.segments} seg{why}")
            for problem in report.problems:
                click.echo(f"      - {problem}")
    counts = ", ".join(f"{sum(1 for r in reports if r.language == code)} in {LANGUAGE_NAMES.get(code, code)}"
                       for code in loaded.languages)
    click.echo(f"{len(reports)} messages ({counts}), {problems} problems")
    corpus = loaded.examples
    if corpus is not None:
        negatives = sum(1 for e in corpus.intents if e.category != "everyday")
        click.echo(f"examples: {len(corpus.crisis)} crisis, {negatives} hard negatives, "
                   f"{len(corpus.intents) - negatives} everyday, {len(corpus.followups)} crisis-mode, "
                   f"{len(corpus.answers)} check-in answers; checked (labels, duplicates, conflicts)")
    if problems:
        sys.exit(1)


@main.group()
def twilio() -> None:
    """What to set in Twilio's console."""


@twilio.command("opt-out-text")
def twilio_opt_out_text() -> None:
    """Print Steady's STOP, START and HELP texts (and the Spanish STOP and HELP), to paste into Advanced Opt-Out.

    Twilio blocks a number on STOP before Steady's own reply goes out, so the opt-out
    confirmation a person gets (the one with 911 and 988) is the one set in Twilio.
    """
    import content as content_package
    from flows.content import ContentError
    from flows.carrier import OTHER_STOP_WORDS, SPANISH_HELP_WORDS
    from flows.engine import CARRIER_REPLY
    from flows.gsm import segments
    from flows.language import ENGLISH, SPANISH, support_in
    from flows.outgoing import outgoing

    settings = _settings()
    try:
        loaded = content_package.load()
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    labels = {"stop": "Opt-out (STOP) confirmation", "start": "Opt-in (START) confirmation", "help": "HELP reply"}
    # Advanced Opt-Out's custom keywords carry their own reply: Steady's Spanish words get
    # the Spanish texts (START is Twilio's own word in both languages).
    spanish = {"stop": ", ".join(w for w in OTHER_STOP_WORDS if w != "ARRET"), "help": ", ".join(SPANISH_HELP_WORDS)}
    sections = [(labels[keyword], message_id, ENGLISH) for keyword, message_id in CARRIER_REPLY.items()]
    sections += [(f"Spanish {labels[keyword]}, for the custom keywords {spanish[keyword]}", CARRIER_REPLY[keyword], SPANISH)
                 for keyword in spanish]
    for label, message_id, language in sections:
        words = loaded.in_language(language)
        text = words.text(message_id, program=settings.program_name,
                          support=support_in(language, settings.support_contact))
        text = outgoing(text, words.helpline)
        click.echo(f"== {label} ({len(text)} characters, {segments(text)} segments) ==")
        click.echo(text)
        click.echo()


@main.command(name="explain")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def explain_command(text: str, as_json: bool) -> None:
    """Show how Steady reads TEXT: intent, crisis kind, scores, rule and closest examples.

    For operators and content authors. Printed here only, never logged.
    """
    import content as content_package
    from bot.explain import explain, lines
    from flows.content import ContentError
    from flows.matcher import Matcher

    try:
        loaded = content_package.load()
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    result = explain(text, loaded, Matcher(loaded.keywords))
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo("\n".join(lines(result)))


@main.command(name="eval")
@click.option("--folds", type=int, default=5, show_default=True, help="Cross-validation folds.")
@click.option("--heldout", "heldout", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Also read this held-out file (a YAML list of text/label/category) with a model trained on everything.")
@click.option("--misses", type=int, default=0, help="List this many missed crises and false alarms.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object of the figures.")
@click.option("--no-floors", is_flag=True, help="Report only; don't fail under the floors.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Shuffle the folds with this seed (the floors are set at 0; compare changes at two seeds).")
@click.option("--language", type=click.Choice(["en", "es"]), default=None,
              help="Print the detailed report for the texts of this language only (the floors still apply to all).")
def eval_command(folds: int, heldout: str | None, misses: int, as_json: bool, no_floors: bool,
                 seed: int, language: str | None) -> None:
    """Cross-validate understanding on content/examples/ and print the figures.

    The figures are given for all texts and for each language (English, Spanish).
    Fails (exit 1) under the floors CI enforces (bot/evaluation.py FLOORS, on all texts)
    and prints how far the figures are from the goals (GOALS: crisis recall 0.99, crisis
    precision 0.90, intent accuracy 0.95).
    """
    import content as content_package
    from bot.evaluation import cross_validate, evaluate_on, load_heldout
    from flows.content import ContentError
    from flows.matcher import Matcher

    if folds < 2:
        raise click.ClickException("--folds must be at least 2")
    try:
        loaded = content_package.load()
        held = load_heldout(heldout) if heldout else None
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    matcher = Matcher(loaded.keywords)
    report = cross_validate(loaded.examples, matcher, folds=folds, seed=seed)
    figures = {"cross_validation": report.summary()}
    held_report = evaluate_on(loaded.examples, matcher, held) if held is not None else None
    if held_report is not None:
        figures["heldout"] = held_report.summary()
    if as_json:
        click.echo(json.dumps(figures))
    else:
        shown = report.only(language) if language else report
        which = f" ({language} texts only)" if language else ""
        click.echo(f"{folds}-fold cross-validation on {len(shown.predictions)} texts{which} "
                   f"(+{len(shown.topics)} crisis-mode and {len(shown.answers)} check-in texts):")
        click.echo("\n".join(shown.lines(misses)))
        click.echo("\n".join(report.language_lines()))
        if held_report is not None:
            held_shown = held_report.only(language) if language else held_report
            click.echo(f"\nheld-out file {heldout} ({len(held_shown.predictions)} texts{which}, never trained on):")
            click.echo("\n".join(held_shown.lines(misses)))
            click.echo("\n".join(held_report.language_lines()))
    if not as_json:
        for gap in report.gaps():
            click.echo(f"short of the goal: {gap}")
    failures = report.failures()
    if failures and not no_floors:
        for failure in failures:
            click.echo(f"below the floor: {failure}", err=True)
        sys.exit(1)


@main.group(name="db")
def db_group() -> None:
    """The database."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Apply Alembic migrations (the Procfile's release: line)."""
    from bot import db

    from bot import crypto

    settings = _settings()
    crypto.use_settings(settings)   # migration 0006 seals existing rows with it
    url = db.normalize_url(settings.database_url, settings.instance_dir)
    db.upgrade(url)
    click.echo("database is at the latest migration")


@main.group()
def people() -> None:
    """One person's data: a data-access request (export) or an erase."""


def _people_store(settings: Settings):
    """The store alone (no content, no models), with the settings' data keys, refusing a
    database behind the migrations."""
    from bot import crypto, db
    from bot.store import Store

    crypto.use_settings(settings)
    engine = db.make_engine(db.normalize_url(settings.database_url, settings.instance_dir), timeout=settings.db_timeout)
    try:
        db.require_current(engine)
    except db.SchemaNotCurrent as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None
    return Store(engine)


def _person_number(settings: Settings, raw: str) -> str:
    from bot import phones

    try:
        return phones.parse_address(raw, settings.default_region).number
    except ValueError as exc:
        raise click.ClickException(f"{raw!r} is not a phone number ({exc})") from None


@people.command("export")
@click.argument("number")
def people_export(number: str) -> None:
    """Print, as JSON, everything stored about NUMBER (every channel), and what stays of it
    if it was erased. Printed here only, never logged."""
    from bot import erasure

    settings = _settings()
    number = _person_number(settings, number)
    store = _people_store(settings)
    try:
        click.echo(json.dumps(erasure.export(store, number, erasure.data_key(settings)), indent=2, sort_keys=True))
    finally:
        store.engine.dispose()


@people.command("erase")
@click.argument("number")
@click.option("--yes", is_flag=True, help="Don't ask for confirmation.")
def people_erase(number: str, yes: bool) -> None:
    """Erase everything about NUMBER, as DELETE by text does: what stays is its keyed hash
    and its consent record (README: Privacy). Logged without the number."""
    from bot import erasure, phones
    from bot.timeutil import utcnow

    settings = _settings()
    number = _person_number(settings, number)
    if not yes:
        click.confirm(f"Erase everything about {phones.mask(number)}? This cannot be undone", abort=True)
    store = _people_store(settings)
    try:
        erased = erasure.erase_number(store, number, erasure.data_key(settings), utcnow(),
                                      at_twilio=settings.twilio_delete_messages)
    finally:
        store.engine.dispose()
    if erased:
        click.echo(f"erased {phones.mask(number)}: {erased} record(s); its keyed hash and consent record stay")
    else:
        click.echo(f"nothing is stored about {phones.mask(number)}")


@main.group()
def keys() -> None:
    """The data key (STEADY_DATA_KEY) that seals numbers and plans."""


@keys.command("rotate")
@click.option("--batch", type=click.IntRange(1, 10_000), default=500, show_default=True,
              help="Rows sealed again per transaction.")
def keys_rotate(batch: int) -> None:
    """Seal every sealed value (numbers, plans, texts) with STEADY_DATA_KEY, a batch per transaction,
    while STEADY_DATA_KEY_OLD (the key before) is still accepted for reading. Interrupted,
    run it again: it carries on where it stopped. When it says done, remove STEADY_DATA_KEY_OLD."""
    from bot import crypto, rotation

    settings = _settings()
    store = _people_store(settings)
    try:
        progress = rotation.rotate(store, crypto.keyring(), size=batch)
        with store.engine.connect() as connection:
            left = rotation.pending(connection, crypto.keyring())
    finally:
        store.engine.dispose()
    click.echo(f"sealed {progress.sealed} of {progress.read} rows with STEADY_DATA_KEY in {progress.batches} "
               f"batch(es); {left} left" + ("" if left else ": done, STEADY_DATA_KEY_OLD can be removed"))


@main.group()
def staff() -> None:
    """Operator console accounts (STEADY_CONSOLE): add, list, remove."""


def _read_password(from_stdin: bool) -> str:
    """From standard input's first line (scripts), or asked twice, hidden."""
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@staff.command("add")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input's first line.")
def staff_add(email: str, password_stdin: bool) -> None:
    """Make a console account for EMAIL (the password is asked twice; 12+ characters)."""
    from bot import timeutil
    from bot.console import staff as accounts

    settings = _settings()
    try:
        accounts.check_email(accounts.normal_email(email))
        password = _read_password(password_stdin)
        accounts.check_password(password)
    except accounts.StaffError as exc:
        raise click.ClickException(str(exc)) from None
    store = _people_store(settings)
    try:
        made = accounts.add(store, email, password, timeutil.utcnow())
    except accounts.StaffError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        store.engine.dispose()
    click.echo(f"made a console account for {made}")


@staff.command("list")
def staff_list() -> None:
    """The console accounts: email, when made, and whether locked now."""
    from bot import timeutil
    from bot.console import staff as accounts

    store = _people_store(_settings())
    try:
        rows = accounts.listing(store)
    finally:
        store.engine.dispose()
    now = timeutil.utcnow()
    for row in rows:
        locked = f"  locked until {row.locked_until:%Y-%m-%d %H:%M} UTC" if row.locked_until and row.locked_until > now else ""
        click.echo(f"{row.email}  made {row.created_at:%Y-%m-%d}{locked}")
    click.echo(f"{len(rows)} account(s)")


@staff.command("remove")
@click.argument("email")
def staff_remove(email: str) -> None:
    """Delete the console account of EMAIL; its open sessions end at their next request."""
    from bot.console import staff as accounts

    store = _people_store(_settings())
    try:
        removed = accounts.remove(store, email)
    finally:
        store.engine.dispose()
    if not removed:
        raise click.ClickException(f"no console account for {accounts.normal_email(email)}")
    click.echo(f"removed the console account of {accounts.normal_email(email)}")


@main.command()
@click.option("--now", "now_text", default=None, help="Run the tick as if it were this ISO-8601 instant (UTC if no offset).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def tick(now_text: str | None, as_json: bool) -> None:
    """Run exactly one clock tick and print what it did."""
    from bot.timeutil import parse_utc, utcnow

    try:
        now = parse_utc(now_text) if now_text else utcnow()
    except ValueError:
        raise click.ClickException(f"--now {now_text!r} is not an ISO-8601 time, e.g. 2026-11-24T14:00:00Z") from None
    from bot.clock import Shutdown

    settings = _settings()
    _require_twilio(settings, "tick")
    steady = _steady(settings)
    Shutdown(steady.sender.stop).install()    # SIGTERM/SIGINT: the tick stops sending, cleanly
    try:
        report = steady.tick(now)
    finally:                              # one tick, then the process ends: close what it opened
        _close(steady)
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(f"tick at {report.now}: {report.summary()}")
    if report.errors:
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
        sys.exit(1)


@main.command()
@click.option("--now", "now_text", default=None, help="Prune as if it were this ISO-8601 instant (UTC if no offset).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def prune(now_text: str | None, as_json: bool) -> None:
    """Count finished days into the daily aggregates, then prune what retention allows
    (STEADY_*_RETENTION_DAYS) now, whether or not the clock's daily run is due. Prints
    counts only."""
    from bot import db, logs
    from bot.retention import Retention
    from bot.store import Store
    from bot.timeutil import parse_utc, utcnow

    try:
        now = parse_utc(now_text) if now_text else utcnow()
    except ValueError:
        raise click.ClickException(f"--now {now_text!r} is not an ISO-8601 time, e.g. 2026-11-24T14:00:00Z") from None
    settings = _settings()
    logs.configure(settings.log_level)
    engine = db.make_engine(db.normalize_url(settings.database_url, settings.instance_dir))
    try:
        try:
            db.require_current(engine)
        except db.SchemaNotCurrent as exc:
            raise click.ClickException(str(exc)) from None
        report = Retention.from_settings(Store(engine), settings).run(now)
    finally:
        engine.dispose()
    click.echo(json.dumps(report.as_dict()) if as_json else f"prune at {now.isoformat()}: {report.summary()}")


@main.command()
@click.option("--interval", type=int, default=60, show_default=True, help="Seconds between ticks.")
def clock(interval: int) -> None:
    """Run the clock process (the Procfile's clock: line): one tick a minute until SIGTERM
    or SIGINT, which stop it cleanly within 10 seconds (exit 0)."""
    from bot.clock import Shutdown, run_clock

    settings = _settings()
    _require_twilio(settings, "clock")
    steady = _steady(settings)
    try:
        run_clock(steady.tick, interval, shutdown=Shutdown(steady.sender.stop))
    finally:
        _close(steady)


def _close(steady) -> None:
    """Close what a tick or the clock opened: sender threads, Twilio connections, the pool."""
    steady.sender.close()
    steady.deletions.close()
    if hasattr(steady.transport, "close"):
        steady.transport.close()
    steady.store.engine.dispose()
