"""Characters a phone keyboard or a word processor slips in for a plain one: curly and
typographic quotes, primes and accents used as apostrophes, dashes and minus signs.

One table for both directions: reading a text (`flows.normalize`, so "Don’t" is "dont")
and sending one (`flows.gsm.to_gsm`, so a person's own words stay GSM-7).
"""

from __future__ import annotations

APOSTROPHES = "\u2018\u2019\u201a\u201b\u2032\u2035\u00b4\u0060\u02b9\u02bb\u02bc\u02bd\u02c8\uff07"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"

PLAIN: dict[str, str] = {
    **{c: "'" for c in APOSTROPHES},
    **{c: '"' for c in DOUBLE_QUOTES},
    **{c: "-" for c in DASHES},
}
