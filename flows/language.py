"""Languages: which one a turn writes in, and is a text Spanish (enough to answer a
crisis in the language it was written in).

The person's language (State.language) is chosen with ESPANOL / ENGLISH, or detected by
the language model (Understanding.language_of) until they choose; `in_language` gives a
turn its content in that language, the one place a turn's words are picked by it.

A count of words that are common in Spanish texting and rare in English ones, against
the reverse. It never decides on one ambiguous word ("no", "me", "hola" alone stay
English): a text is Spanish when Spanish words outnumber English ones and there are
at least two of them, or one strong Spanish word and no English at all.
"""

from __future__ import annotations

from flows.message import Message

__all__ = ["guess_language", "in_language", "support_in", "detected_language", "ENGLISH", "SPANISH"]

ENGLISH = "en"
SPANISH = "es"


def in_language(ctx, language: str):
    """The turn's Context with its content in `language` (flows.content.Content.in_language).

    The support contact is the operator's own words (STEADY_SUPPORT_CONTACT), kept as set;
    only the built-in default, which is English, is said in Spanish in Spanish texts."""
    from dataclasses import replace

    content = ctx.content.in_language(language)
    if content is ctx.content:
        return ctx
    return replace(ctx, content=content, support=support_in(language, ctx.support))


def support_in(language: str, support: str) -> str:
    """The support contact as said in `language`: the operator's own words as set, the
    built-in default (English) in Spanish for Spanish texts."""
    from flows import defaults

    return defaults.SUPPORT_ES if language == SPANISH and support == defaults.SUPPORT else support


def detected_language(found: str | None, current: str, chosen: bool) -> str | None:
    """The language to write in from now on because of what the person wrote: the one
    the model is sure of (`found`), when it differs and they never chose one; else None."""
    if chosen or found is None or found == current:
        return None
    return found

_SPANISH = frozenset("""
que quiero estoy esta estan tengo tiene tomo tome tomé meti metio puedo puede quiere mi mis tu
por favor ayuda ayudame ayudenme auxilio socorro porque pero tambien muy mas nada nadie nunca
siempre ahora hoy ayer manana noche vida morir muerto muerta matar matarme suicidarme respira
despierta novio novia esposo esposa hermano hermana mama papa hijo hija amigo amiga pastillas
droga drogas heroina sobredosis ganas dolor duele miedo solo sola casa calle necesito
llame llamar llama hacer hago dejar dejarla usar use uso usando consumir fumar inyectar yo
ella ellos estamos soy eres es son fue era hay donde cuando como del los las una unos unas
el la lo le les se nos con sin para sobre hasta desde entonces gracias hola buenas dias
corte cortarme lastimarme pegando pega golpea amenaza pistola cuchillo puente tirarme
despertar dormir mejor peor todo todos todas otra otro vez ya aqui alli algo alguien
""".split())
_ENGLISH = frozenset("""
i im i'm my me you your he she they we it is are was were be been the a an and or but
to of in on at for with this that what when where how why who not dont can cant want
need help please just like have has had do did does going gonna got get feel feeling
""".split()) - _SPANISH
_WEAK = frozenset({"no", "me", "se", "la", "el", "es", "yo", "ya", "solo", "hola", "mi", "tu", "a", "con", "un"})


def guess_language(message: Message | str) -> str:
    """'es' or 'en'."""
    words = Message.of(message).words
    spanish = [w for w in words if w in _SPANISH]
    english = sum(1 for w in words if w in _ENGLISH)
    strong = [w for w in spanish if w not in _WEAK]
    if len(spanish) >= 2 and len(spanish) > english and strong:
        return "es"
    if strong and english == 0 and len(words) <= 3 and len(strong) == len(spanish):
        return "es"
    return "en"
