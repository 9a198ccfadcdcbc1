"""Which intent a text asks for, from the words in content/keywords.yaml.

Crisis, STOP/START and HELP are checked before this (flows.crisis, flows.carrier);
the matcher only chooses among flows.intents.MATCHABLE, or returns None.

Order, first hit wins:
1. the whole message is a keyword ("CRAVINGS!", "daily off please", "dopesick"),
2. the whole message is a keyword with a typo ("cravng", "withdrawl", "tretment"),
3. a phrase appears inside the text, the longest phrase winning
   ("stop the daily texts" beats "daily texts"), skipped right after "not", "no"
   or "never" ("i don't want to use" is not a craving),
4. the same after fixing typos in the text's words ("i want to quitt heroin").

Both sides go through one canonical form: normalized, accents dropped, letters
repeated 3+ times squeezed ("craaaving"), slang expanded ("wanna" -> "want to",
"im" -> "i am", "dont" -> "do not"), intensifiers dropped ("really", "just"),
simple plurals folded ("cravings" -> "craving"). Everything is precomputed at
__init__; a match is a few dict look-ups plus, only when those miss, a bounded
number of rapidfuzz distance calls.

Typos: a word counts as a typo of a keyword when it is within one edit
(Damerau-Levenshtein: a swap counts once) of a keyword of 5-9 letters, or two of
one with 10+, starts with the same letter, and is not a real word that happens to
be close (_NOT_TYPOS: "dairy" is not "daily", "melting" is not "meeting"). Words
under 5 letters must match exactly, so "pain" never becomes "plan". Inside a
longer text only keywords of 5+ letters and phrase words of 7+ are corrected.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from flows.content_types import IntentWords
from flows.intents import MATCHABLE
from flows.normalize import fold

__all__ = ["Matcher", "canonical_tokens", "canon_word"]

_MAX_CHARS = 1600           # the longest SMS body Twilio delivers

_EXPAND = {
    "wanna": "want to", "wana": "want to", "wan": "want", "wnt": "want", "gonna": "going to",
    "gona": "going to", "gunna": "going to", "finna": "going to", "tryna": "trying to",
    "gotta": "got to", "lemme": "let me", "gimme": "give me", "ima": "i am going to",
    "imma": "i am going to", "u": "you", "ya": "you", "ur": "your", "r": "are", "2": "to",
    "im": "i am", "ive": "i have", "id": "i would", "dont": "do not",
    "cant": "can not", "cannot": "can not", "cnt": "can not", "wont": "will not",
    "didnt": "did not", "doesnt": "does not", "isnt": "is not", "aint": "is not",
    "wasnt": "was not", "havent": "have not", "hasnt": "has not", "shouldnt": "should not",
    "couldnt": "could not", "wouldnt": "would not", "pls": "please", "plz": "please",
    "rn": "right now", "abt": "about", "bout": "about", "thru": "through", "tho": "though",
    "everyday": "every day", "txt": "text", "txts": "texts", "msg": "message",
    "msgs": "messages", "n": "and", "nd": "and", "cuz": "because", "bc": "because",
    "sumthin": "something", "somethin": "something", "nothin": "nothing", "thinkin": "thinking",
    "usin": "using", "goin": "going", "feelin": "feeling", "gettin": "getting",
    "comin": "coming", "kickin": "kicking", "jonesin": "jonesing", "fiendin": "fiending",
    "feenin": "feening", "dopesik": "dopesick", "af": "as hell",
}
_DROP = frozenset({
    "really", "rly", "realy", "rlly", "very", "just", "jus", "totally", "fucking", "fuckin",
    "fking", "fkn", "fcking", "frickin", "damn", "super", "literally",
    "actually", "honestly", "kinda", "sorta", "like", "um", "uh", "umm", "uhh", "ugh",
})
# Stripped from both ends before a whole-message keyword check: "hi, PLAN please".
_EDGE_FILLER = frozenset({
    "hi", "hey", "hello", "yo", "ok", "okay", "k", "please", "thanks", "thank", "you", "thx",
    "ty", "the", "a", "an", "some", "about", "info", "on", "for", "me", "lol", "again", "now",
    "right", "more", "and", "any", "near", "tonight", "today",
})
_NEGATORS = frozenset({"not", "no", "never", "nor"})
# A phrase ending in one of these words, followed by one of theirs, is an idiom:
# "sick of this" means fed up, "kicking it with friends" means hanging out.
_IDIOM_NEXT = {"sick": frozenset({"of"}), "tired": frozenset({"of"}), "kicking": frozenset({"it", "back"}),
               "used": frozenset({"to"})}   # "i used to smoke" is the past, not a slip
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")

# Real words within typo distance of a correction target: never "corrected" into
# it ("dairy" is not "daily", "finding" is not "fiending", "melting" is not
# "meeting"). Made by checking the shipped vocabulary against an English word
# list; inflections that mean the same thing ("craved", "paused") were left out.
# Words added to keywords.yaml later are still guarded by the length and
# first-letter rules.
_NOT_TYPOS = frozenset("""
breach breadth breaching camping carve carving cave caving champing clamping consoling
countering cramming crane craning crape crapping crate crating craven craze crazing
crimping dairy daisy dally doily drily entourage exorcise feeding felling fending
fielding fiend finding fried friending fueling groupy grout gutting identity impatient
inching kilning kinking kipling lovely massage mediate mediation medicate medicating
metrication melting meting moaning mooning mourning parse passe pluse punic processional
profession professionally quieting quilting relay remainder reminded sanding seating
seeding sensing shading shaming shaping sharing sharking shaving slaking slickness
smocking snaking soaking spending staking stoking swearing temped tempter tenting
testing thanking thinning thorough though trough underhand understate understated
understood unsubscribed withdrawn cause
""".split())


def _singular(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@lru_cache(maxsize=4096)
def _canon_word(word: str) -> tuple[str, ...]:
    word = _REPEATS.sub(r"\1", word)
    if word in _DROP:
        return ()
    expanded = _EXPAND.get(word)
    if expanded is not None:
        return tuple(expanded.split())
    return (_singular(word),)


def canon_word(word: str) -> tuple[str, ...]:
    """One folded word in canonical form: () when dropped, several words when expanded."""
    return _canon_word(word)


def canonical_tokens(text) -> tuple[str, ...]:
    """The canonical words of a text (a str or a flows.message.Message), as the matcher compares them."""
    folded = getattr(text, "folded", None)
    if folded is None:
        folded = fold(text[:_MAX_CHARS] if isinstance(text, str) else "")
    out: list[str] = []
    for word in folded.split():
        out.extend(_canon_word(word))
    return tuple(out)


def _allowed_edits(length: int) -> int:
    if length >= 10:
        return 2
    if length >= 5:
        return 1
    return 0


def _trim_edges(tokens: tuple[str, ...]) -> tuple[str, ...]:
    start, end = 0, len(tokens)
    while start < end and tokens[start] in _EDGE_FILLER:
        start += 1
    while end > start and tokens[end - 1] in _EDGE_FILLER:
        end -= 1
    return tokens[start:end]


class Matcher:
    """Precomputed keyword and phrase tables for one content set."""

    def __init__(self, keywords: Mapping[str, IntentWords]):
        self._exact: dict[tuple[str, ...], str] = {}
        self._squashed: dict[str, str] = {}
        self._single: dict[str, str] = {}          # one-word keywords, for typo search
        self._multi: dict[int, list[tuple[tuple[str, ...], str]]] = {}
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        vocab: set[str] = set()
        for intent in MATCHABLE:
            words = keywords.get(intent)
            if words is None:
                continue
            for keyword in words.keywords:
                toks = canonical_tokens(keyword)
                if not toks:
                    continue
                self._exact.setdefault(toks, intent)
                self._squashed.setdefault("".join(toks), intent)
                if len(toks) == 1:
                    self._single.setdefault(toks[0], intent)
                else:
                    self._multi.setdefault(len(toks), []).append((toks, intent))
                vocab.update(toks)
            for phrase in words.phrases:
                toks = canonical_tokens(phrase)
                if not toks:
                    continue
                self._phrases.setdefault(toks[0], []).append((toks, intent))
                vocab.update(toks)
        for entries in self._phrases.values():
            entries.sort(key=lambda item: -len(item[0]))
        self._vocab = frozenset(vocab)
        self._single_keys = tuple(self._single)
        # Typo targets inside a text: one-word keywords of 5+ letters and phrase
        # words of 7+ ("suboxone", "withdrawal"); short common words ("every",
        # "score", "sleep") are too close to other real words to guess at.
        self._targets = tuple(sorted(
            {w for w in self._single_keys if len(w) >= 5 and w.isalpha()}
            | {w for w in vocab if len(w) >= 7 and w.isalpha()}
        ))
        self._correct = lru_cache(maxsize=4096)(self._correct_uncached)

    # -- public -------------------------------------------------------------------

    def match(self, text: str) -> str | None:
        """The intent the text asks for, or None."""
        tokens = canonical_tokens(text)
        if not tokens:
            return None
        core = _trim_edges(tokens)
        if core:
            hit = self._whole(core)
            if hit:
                return hit
            hit = self._whole_fuzzy(core)
            if hit:
                return hit
        hit = self._phrase(tokens)
        if hit:
            return hit
        corrected = tuple(self._correct(t) for t in tokens)
        if corrected != tokens:
            return self._phrase(corrected)
        return None

    def keyword(self, text: str) -> str | None:
        """The intent when the WHOLE message is a keyword (typos allowed), else None.

        Inside a multi-step flow only this can take the person elsewhere, so an answer
        like "when I'm dope sick" stays an answer instead of becoming a withdrawal request.
        """
        tokens = canonical_tokens(text)
        core = _trim_edges(tokens)
        if not core:
            return None
        # A keyword written with an edge word ("forget me") matches as written, too.
        return self._exact.get(tokens) or self._whole(core) or self._whole_fuzzy(core)

    # -- steps --------------------------------------------------------------------

    def _whole(self, core: tuple[str, ...]) -> str | None:
        hit = self._exact.get(core)
        if hit:
            return hit
        return self._squashed.get("".join(core))

    def _close(self, word: str, target: str) -> int | None:
        """Edit distance when `word` may be a typo of `target`, else None."""
        if word == target:
            return 0
        allowed = _allowed_edits(len(target))
        if (
            not allowed
            or len(word) < 4
            or word[0] != target[0]
            or word in _NOT_TYPOS
            or word in self._vocab
            or not word.isalpha()
        ):
            return None
        dist = DamerauLevenshtein.distance(word, target, score_cutoff=allowed)
        return dist if dist <= allowed else None

    def _whole_fuzzy(self, core: tuple[str, ...]) -> str | None:
        if len(core) > 3:
            return None
        candidates: list[tuple[int, str]] = []
        if len(core) == 1 or len("".join(core)) >= 5:
            word = "".join(core)
            for target, _score, _ in process.extract(
                word, self._single_keys, scorer=DamerauLevenshtein.distance,
                score_cutoff=2, limit=None,
            ):
                dist = self._close(word, target)
                if dist is not None:
                    candidates.append((dist, self._single[target]))
        for toks, intent in self._multi.get(len(core), ()):
            total = 0
            for word, target in zip(core, toks):
                dist = self._close(word, target)
                if dist is None:
                    break
                total += dist
            else:
                candidates.append((total, intent))
        if not candidates:
            return None
        candidates.sort()
        best = candidates[0][0]
        intents = {intent for dist, intent in candidates if dist == best}
        return intents.pop() if len(intents) == 1 else None

    def phrase(self, text, among: frozenset[str] | tuple[str, ...]) -> str | None:
        """The intent among `among` whose phrase the text holds (the longest), else None:
        for the intents read from their words only (flows.intents.BY_WORDS_ONLY)."""
        return self._phrase(canonical_tokens(text), among)

    def _phrase(self, tokens: tuple[str, ...], among=None) -> str | None:
        best: tuple[int, int, int] | None = None
        best_intent: str | None = None
        count = len(tokens)
        for i, token in enumerate(tokens):
            for toks, intent in self._phrases.get(token, ()):
                if among is not None and intent not in among:
                    continue
                size = len(toks)
                if tokens[i:i + size] != toks:
                    continue
                if i > 0 and tokens[i - 1] in _NEGATORS and toks[0] not in _NEGATORS:
                    continue
                if i + size < count and tokens[i + size] in _IDIOM_NEXT.get(toks[-1], ()):
                    continue
                rank = (size, sum(map(len, toks)), -i)
                if best is None or rank > best:
                    best, best_intent = rank, intent
                break   # entries are longest first: the first fit is the best here
        return best_intent

    def _correct_uncached(self, word: str) -> str:
        if word in self._vocab or len(word) < 4 or not word.isalpha() or word in _NOT_TYPOS:
            return word
        found: list[tuple[int, str]] = []
        for target, _score, _ in process.extract(
            word, self._targets, scorer=DamerauLevenshtein.distance, score_cutoff=2, limit=None,
        ):
            dist = self._close(word, target)
            if dist is not None:
                found.append((dist, target))
        if not found:
            return word
        found.sort()
        if len(found) > 1 and found[0][0] == found[1][0]:
            return word         # two equally close words: do not guess
        return found[0][1]

