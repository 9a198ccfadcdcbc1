"""How PLAN reads a short answer: yes, no, skip, "no one", and a person's own words as kept.

Whole answers are compared folded (flows.normalize.fold), so "Yes!" and "yes" are one,
and "sí", "Sí!" and "si" are one.

English and Spanish words are read together, whatever the person's language: no answer
below means one thing in one language and another in the other. Spanish care points:
- "si" is both "yes" (sí) and "if" (si): a whole answer "si"/"sí" is yes, and an answer
  opening with it leans yes only when it is written "sí" (accent) or set off by
  punctuation ("si, claro", "si!"); "si quiero dejarlo" ("if I want to quit...") does not.
- "no sé" / "no se" (I don't know) is a skip, not a no; `leans` checks skip words first.
- "paso" (I pass) and "saltar" skip; "nadie", "ninguno", "nada" name nobody.
- Spanish words that are also names ("Dale", "Simón", "Sol") are not whole-answer yeses,
  so a support person called Dale is kept as a name ("dale" only leans yes as a first
  word, as in "dale, gracias").
"""

from __future__ import annotations

import re
import unicodedata

from flows.normalize import fold

MAX_ANSWER = 160          # characters kept of each free-text answer

_YES = frozenset({"yes", "y", "yeah", "yea", "yep", "yup", "ya", "yes please", "sure", "ok", "okay",
                  "k", "correct", "right", "thats right", "that is right", "yes thats right",
                  "sounds good", "perfect", "yes it is", "it is", "confirm", "si",
                  # Spanish (folded: "sí" is "si")
                  "si por favor", "si gracias", "si claro", "claro", "claro que si", "claro que si por favor",
                  "si si", "sii", "siii", "sip", "si senor", "si senora", "por supuesto", "de acuerdo", "esta bien",
                  "ta bien", "bien", "correcto", "es correcto", "exacto", "eso es", "asi es", "perfecto",
                  "si es", "si esta bien", "si es correcto", "si asi es", "vale", "listo", "okey", "oki",
                  "confirmo", "obvio", "cierto", "si quiero", "si me gustaria", "me parece bien"})
_NO = frozenset({"no", "n", "nope", "nah", "no thanks", "no thank you", "not now", "not really",
                 "not yet", "no not now", "wrong", "thats wrong", "not right", "none",
                 # Spanish
                 "no gracias", "no muchas gracias", "nop", "nel", "para nada", "ahora no", "ahorita no",
                 "todavia no", "aun no", "no por ahora", "por ahora no", "no todavia", "incorrecto",
                 "esta mal", "no es correcto", "no es asi", "no esta bien", "mal", "equivocado",
                 "no quiero", "no no", "ninguno", "ninguna"})
_SKIP = frozenset({"skip", "skip it", "skip this", "skip that", "skip this one", "skip please", "pass",
                   "next", "idk", "i dont know", "dont know", "dunno", "not sure", "im not sure",
                   "i am not sure", "no idea", "rather not", "id rather not", "maybe", "later",
                   "ask me later", "n a",
                   # Spanish: "no sé" is a skip, not a no
                   "saltar", "salta", "saltalo", "saltala", "salte", "saltate", "saltar esta", "omitir",
                   "paso", "siguiente", "no se", "no lo se", "no sabria", "ni idea", "no tengo idea",
                   "no estoy seguro", "no estoy segura", "no se la verdad", "quiza", "quizas", "tal vez",
                   "a lo mejor", "despues", "luego", "mas tarde", "preguntame despues",
                   "preguntame luego", "prefiero no", "prefiero no decir", "prefiero no decirlo",
                   "mejor no decir", "no aplica"})
_NEW = frozenset({"new", "new plan", "a new plan", "start over", "restart", "start again", "from scratch",
                  "nuevo", "nuevo plan", "un nuevo plan", "plan nuevo", "un plan nuevo", "empezar de nuevo",
                  "empezar otra vez", "de nuevo", "volver a empezar", "reiniciar", "desde cero",
                  "empezar desde cero", "otro plan"})
_NOBODY = frozenset({"no", "none", "no one", "noone", "nobody", "no body", "nothing", "n a",
                     "idk", "i dont know", "dunno", "not sure", "nobody really", "no one really",
                     "nope", "nah",
                     # Spanish
                     "nadie", "ninguno", "ninguna", "nada", "no se", "ni idea", "nadie realmente",
                     "no tengo a nadie", "no hay nadie", "nadie la verdad", "nop", "nel", "no tengo"})
# Words that join numbers in a list answer ("1 and 3", "numbers 2, 4").
CONNECTORS = frozenset({"and", "or", "plus", "both", "also", "then", "n", "number", "numbers", "options",
                        "option", "all", "of", "the",
                        "y", "e", "o", "mas", "ambos", "ambas", "tambien", "numero", "numeros", "opcion",
                        "opciones", "todos", "todas", "todo", "de", "el", "la", "los", "las"})
# Words that pick every option ("all of them", "todos").
ALL_WORDS = frozenset({"all", "todos", "todas", "todo"})

_YES_FIRST = frozenset({"yes", "yeah", "yea", "yep", "yup", "sure", "absolutely", "definitely", "ok", "okay",
                        "claro", "dale", "sip", "vale", "okey", "obvio", "perfecto", "correcto", "exacto"})
_NO_FIRST = frozenset({"no", "nope", "nah", "nop", "nel"})
# "sí" with its accent, or "si" set off by punctuation ("si, claro", "si!"): yes, not "if".
_SI_FIRST = re.compile(r"^\W*(?:s[ií]\s*[,.!;:]|sí\b)", re.IGNORECASE)


def words(text: str) -> str:
    return fold(text)


def is_skip(text: str) -> bool:
    return words(text) in _SKIP


def is_yes(text: str) -> bool:
    return words(text) in _YES


def is_no(text: str) -> bool:
    return words(text) in _NO


def is_new(text: str) -> bool:
    return words(text) in _NEW


def leans(text: str) -> str | None:
    """"yes" or "no" for an answer that opens with one ("yes please!", "no thanks man",
    "sí, por favor", "no gracias"), else None. Exact words first, so "not really" is a
    no; a skip ("no sé") leans neither way."""
    if is_yes(text):
        return "yes"
    if is_no(text):
        return "no"
    if is_skip(text) or words(text).startswith("no se "):   # "no sé si..." is not a no
        return None
    if _SI_FIRST.match(text):
        return "yes"
    first = (words(text).split() or [""])[0]
    return "yes" if first in _YES_FIRST else "no" if first in _NO_FIRST else None


def is_nobody(text: str) -> bool:
    """An answer that names nothing ("no one", "none", "idk"): kept, but never quoted back
    in a sentence as if it were a name or a trigger."""
    return words(text) in _NOBODY


_CONTROL = ("Cc", "Cf", "Cs", "Co", "Cn")


def clean_answer(text: str) -> str:
    """A free-text answer as stored: as written, minus control and invisible characters,
    whitespace runs as one space, at most MAX_ANSWER characters."""
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _CONTROL:
            kept.append(char)
    return " ".join("".join(kept).split())[:MAX_ANSWER].strip()


def has_words(text: str) -> bool:
    """Enough of an answer to keep: two letters or digits, and not just a yes."""
    return sum(char.isalnum() for char in text) >= 2 and not is_yes(text)
