"""The crisis rules: the high-precision half of the crisis check (flows.understand holds
the other half, the trained model, and decides with both). They run first on every
message, in every flow.

It leans to recall: a false alarm costs one kind message with 911, 988 and the
helpline; a miss can cost a life. So any clear phrase about suicide, self-harm,
an overdose, someone not breathing, turning blue or not waking up counts, in
English or common Spanish, with the usual typos ("suicidel", "k.m.s", "overdosed").

Precision comes from guards, not from dropping phrases: a short list of idioms
("dying for a coffee", "my phone is dying", "that's to die for", "suicide squad",
"not responding to my texts") is blanked out *before* the rules run, so an idiom
in one sentence never hides a real signal in the next.

Decisions (see the tests for the full tables):
- "this craving is killing me", "killing it", "kill for a burger", "that joke
  killed me": not crisis; "kill" only counts with "myself" (or "kms").
- "I'm not suicidal" still counts: negation is not parsed, a person may be
  minimising, and a false alarm is cheap. "I don't want to die" counts too.
- "feeling blue" is not an emergency; blue counts for a person turning blue or
  blue lips, face or fingertips.
- "I can't breathe" counts (911 is right for it), except laughing or a stuffy nose.
- "I can't do this anymore" / "I can't take it anymore" do not count on their own:
  people say them every day about wanting to quit; "I can't go on" does count.
- "OD" counts as a word (od, o.d., od'd, od'ing, "i odd"), never inside a word
  ("good", "odd", "code"), and not in "that's OD" (slang for excessive).
- "overdoes" counts as a typo of overdose, except "overdoes it".
- "kys" (an insult aimed at someone else) is not counted; "kms" is.
- Spanish denials ("no me voy a matar", "nunca me haria dano") and past history
  ("hace 5 anos intente quitarme la vida", "tuve una sobredosis en 2019") are read, clause
  by clause: a rule that fires only on them becomes the weak `denial_es` / `past_es`, so
  the model decides and the rule alone never makes the crisis sure. English negation is
  still not parsed (above). "no quiero vivir" is no denial: it denies living.
- Spanish "me mato" is also "me mató" (it killed me): it counts with "hoy", "esta noche",
  "ahorita" and nothing after, or with a means. A partner's threat ("mi esposo me va a
  matar"), a break-in and a beating now name the kind violence; a parent's or a boss's
  "me va a matar" is a scolding.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import DamerauLevenshtein

from flows.message import Message
from flows.normalize import fold

__all__ = ["is_crisis", "crisis_reason", "is_weak", "kind_for", "WEAK_RULES", "NEVER_SURE"]

_MAX_CHARS = 2000   # an SMS body is at most 1600 characters; more is not a text


def _any(*parts: str) -> str:
    return "(?:" + "|".join(parts) + ")"


_ME = r"(?:my ?s[ae]lf|my ?slef|my ?sefl|my ?sef|my ?elf|me ?self|myselve?s?)"
_KILL = r"(?:kil+(?:ing|in)?|kiling|kll|k1ll)"
_TO = r"(?: (?:to|2|too|ta))?"
_WANT = _any(
    "want", "wanna", "wana", "wnt", "wan", "going", "goin", "gonna", "gona", "gunna",
    "about", "bout", "ready", "plan", "planning", "planing", "trying", "tryna", "try",
    "need", "finna", "fixing", "id like", "i d like", "would like", "prefer", "decided", "deciding",
    "i m going", "im going", "im gonna", "ima", "imma", "i ma", "i will", "i ll", "ill",
)
_NEG_WANT = (
    r"(?:dont|do not|dnt|didnt|doesnt|no longer|never|dont even|do not even|dont really)"
    r" (?:want|wanna|wana|wnt)(?: to| 2| ta)?"
)
_BREATHE = r"(?:breath(?:e|ing|in|es)?|breating|breathng|brething|breahting|breathe?ing)"
_BLUE = r"(?:blue|purple|gr[ae]y|bluish|blueish)"
_BLUE_ONLY = r"(?:blue|purple|bluish|blueish)"
_WHO = _any(
    "he", "she", "they", "him", "her", "them", "hes", "shes", "theyre", "friend", "friends",
    "bf", "gf", "boyfriend", "girlfriend", "brother", "sister", "mom", "dad", "son",
    "daughter", "husband", "wife", "roommate", "cousin", "homie", "buddy", "someone",
    "somebody", "man", "guy", "girl", "dude", "partner", "baby", "kid", "uncle", "aunt",
)
_LAUGH = r"(?:l+o+l+\w*|l+m+f*a+o+\w*|(?:ha){2,}\w*|(?:he){2,}\w*|(?:ja){2,}\w*|xd+|rofl\w*)"
_DEVICE = _any(
    "phone", "battery", "cell", "laptop", "computer", "charger", "plant", "flower", "car",
    "tv", "conversation", "chat", "convo", "light", "party", "vibe", "fire", "show",
    "business", "signal", "hype", "trend", "group chat", "game", "app", "site",
)
_IDIOM_NOUNS = _any(
    "laughter", "laughing", "boredom", "embarrassment", "curiosity", "thirst", "hunger",
    "cringe", "shame", "jealousy", "envy", "cuteness", "heat", "cold", "suspense",
    "excitement", "anticipation", "happiness",
)

# Idioms blanked out before the rules run. Each is narrow on purpose.
_GUARDS = [
    r"dying (?:to|for(?! real| reals| realz| rn| right now))\b",
    rf"(?:dying|die|died|dead|dies) (?:of|from|with) {_IDIOM_NOUNS}\b",
    r"(?:died|die|dying|dead|dies) laughing\b",
    rf"(?:i m |im |i am )?dying(?: rn| over here| here)?(?: {_LAUGH})+",
    rf"{_LAUGH}(?: i ?m| i am)? (?:dying|dead|died)\b",
    r"(?:is|s|was|looks?|tastes?|smells?|sounds?|be) to die for\b",
    r"drop dead (?:gorgeous|beautiful|sexy|hot|fine|handsome)\b",
    rf"{_DEVICE}s?(?: is| s| are| r| was)?(?: (?:about to|going to|gonna|bout to|finna|gunna|gona))?"
    r" (?:dying|dead|died|die)\b",
    r"suicide (?:squad|doors?|runs?|drills?|sprints?|bunny|king|girls?|boys?|silence)\b",
    r"overdose(?:d)? on (?:sugar|candy|caffeine|coffee|chocolate|cuteness|tv|netflix|love|memes|sweets)\b",
    r"overdoes it\b",
    r"(?:thats|that s|that is|thats so|that s so|lowkey|kinda|lil|bit|too) od\b(?! d\b| ed\b| ing\b| in\b| on\b)",
    r"not (?:responding|respond|replying) to (?:my |your |our |the |any |his |her )?"
    r"(?:texts?|txts?|messages?|msgs?|calls?|emails?|dms?|snaps?)\b",
    r"(?:phone|app|computer|laptop|screen|site|website|page|server|mouse|keyboard|tv|game|program|"
    r"pc|printer|router|browser)s?(?: is| s| keeps| was)? not responding\b",
    rf"(?:cant|can t|can not|cannot) {_BREATHE} (?:through|thru|out of|outta) (?:my|his|her|the) nose\b",
    rf"(?:{_LAUGH}|laughing|laughed)(?: so hard)?(?: i| that i)? (?:cant|can t|can not|cannot|couldnt) {_BREATHE}\b",
    rf"(?:cant|can t|can not|cannot|couldnt) {_BREATHE}(?: {_LAUGH})+",
    rf"(?:hair|sky|water|lights?|screen|sea|ocean|leaves|beard|eyes|car|walls?|paint|sign|jeans)"
    rf"(?: is| are| s| was)? (?:turning|turned|going|gone|went|getting|got) {_BLUE}\b",
    r"(?:not|isnt|is not|no|not really) an? emergency\b",
    r"end (?:it|things) with (?:him|her|them|my (?:bf|gf|boyfriend|girlfriend|partner|husband|wife|ex|man|girl|dealer))\b",
    r"(?:\d+|few|couple|many|some|several|the|of) ?kms\b",
    r"killing (?:myself|my self) (?:at|with|for|over) (?:the gym|work|my job|this job|school|studying|this project|overtime)\b",
    r"(?:ill|i ll|i will|id|i d|i would|i m gonna|im gonna|gonna) die if\b",
    r"(?:shot|shoot|shooting) (?:myself|my self) in the foot\b",
    r"(?:kill|killing|killed|kil+in) (?:myself|my self) (?:laughing|lol|lmao)\b",
    r"emergency (?:contacts?|fund|brake|exit|kit|savings)\b",
    r"seizing (?:the|an|this|that|my|your|his|her|their|on|up|control)\b",
    r"(?:rather die|rather be dead) than (?:eat|wear|watch|listen|go to (?:work|school|class))\b",
    # Spanish idioms: "me muero de hambre", "me muero por verte", "morir de risa".
    r"(?:morir|muero|muere|muriendo|mori|muert[oa]) (?:de|por) "
    r"(?:risa|hambre|sueno|verguenza|calor|frio|aburrimiento|ganas|amor|sed|celos|nervios|ti|verte|"
    r"saber|ir|comer|dormir|la risa)\b",
    r"no es (?:una )?emergencia\b",
    # "mi mama me va a matar (si llego tarde)": a parent or a boss, said of a scolding.
    r"(?:mi |la |el )?(?:mama|mami|mom|papa|papi|dad|jefe|jefa|abuela|abuelita|abuelo|suegra|suegro|maestra|maestro|"
    r"profe|entrenador|entrenadora|hermana|hermano|tia|tio|amiga|amigo)(?: (?:me dijo que|dice que|dijo que|ya))?"
    r" (?:me va a matar|me mata|me matara|me quiere matar)\b",
    r"(?:mis )?(?:papas|padres|jefes|papis|abuelos|tios|hermanos|amigos)(?: (?:me dijeron que|dicen que|dijeron que|ya))?"
    r" (?:me van a matar|me matan|me mataran|me quieren matar)\b",
    # "se me corto el internet / la llamada", "me corto el pelo / las unas".
    r"se me (?:corto|corta|cortaron|corte) (?:el|la|los|las)\b",
    r"me (?:corto|voy a cortar) (?:el|la|los|las) (?:pelo|cabello|unas|barba|bigote|fleco|puntas|grenas)\b",
    r"cielo (?:esta )?azul\b",
]
_GUARD = re.compile(r"\b(?:" + "|".join(_GUARDS) + ")")

# Spanish pieces of the rules below.
# After "hoy me mato": the end of the text, or words that keep it about now.
_NOW_ES_TAIL = (r"(?= \||$| (?:y|ya|de una vez|de verdad|en serio|neta|lo juro|te lo juro|lo prometo|ya lo decidi|"
                r"lo decidi|no aguanto|ya no aguanto|ya no puedo|no puedo mas|adios|perdon|perdoname)\b)")
_HOME_ES = r"(?:la|mi|nuestra) (?:casa|depa|departamento|apartamento|apartamento|cuarto|recamara|traila|trailer|cochera)"
_PARTNER_ES = (r"(?:mi |el |la )?(?:esposo|marido|pareja|novio|novia|esposa|ex|exesposo|ex esposo|exnovio|ex novio|"
               r"expareja|ex pareja|padrastro|dealer|conecte|bf|husband)|el|ellos|un tipo|un hombre|alguien")
# "mi esposa me va a matar cuando vea la cuenta", "... si llego tarde", "... de risa jaja".
_NOT_JOKING_ES = (r"(?! (?:cuando|si llego|si no llego|si se entera|si ve|si sabe|si me ve|con sus|de (?:risa|un susto|coraje|"
                  r"hambre|celos|cosquillas|la risa|verguenza))\b)(?!(?: \w+){0,6} (?:jaja\w*|jeje\w*|lol|xd|lmao)\b)")
# "me esta pegando la malilla / la gripa / el sueno": withdrawal, a cold or sleep hitting,
# not a person; "me esta pegando muy fuerte" alone is as often a drug as a person (the
# kind model decides).
_NOT_A_PERSON_ES = (r"(?! (?:muy |bien |super |tan )?(?:fuerte|duro|feo|gacho|rapido)(?= \||$| y | pero | ya | no )"
                    r"| (?:(?:el|la|los|las|un|una|duro|fuerte|bien|mucho|muy|feo|gacho|rudo|otra vez) )*"
                    r"(?:gripa|gripe|sueno|malilla|malillo|abstinencia|cruda|resaca|hambre|sol|calor|frio|ansiedad|depre|"
                    r"depresion|bajon|ganas|antojo|droga|chiva|loquera|pastillas?|medicina|metadona|cancion|costumbre|virus|"
                    r"covid|efecto|viaje|pedo|peda|mota|alcohol|chupe|tristeza|soledad|realidad|nostalgia|cansancio|"
                    r"enfermedad|fiebre|dolor|sindrome)\b)")

# (name, pattern): the first that fires names the reason.
_RULES: list[tuple[str, str]] = [
    # Suicide and wanting to die.
    ("suicide", r"\bsu[iy]?[cs]{1,2}[iy]{0,2}d(?:e|es|ed|al|el|le|ial|ail|ally|ing|io|a|arme|arse|ar)?\b"),
    ("kill_self", rf"\b{_KILL} ?{_ME}\b|\b(?:off|offing|unalive|unaliving) ?{_ME}\b|\bunalive\b"),
    ("kms", r"(?<![0-9] )\bk ?m ?s\b"),
    ("want_to_die", rf"\b{_WANT}{_TO} (?:just |really |simply )?"
                    + _any("die", "be dead", "be ded", "not be alive", "not exist", "stop existing",
                           "stop living", "not wake up", "never wake up", "end it", "end it all",
                           rf"end my (?:own )?life", "end things", "end everything", "end myself",
                           r"take my (?:own )?life", "disappear forever", "sleep forever",
                           rf"{_KILL} {_ME}", "hurt myself", "od", "overdose") + r"\b"),
    ("let_me_die", r"\b(?:let me|please let me|lemme|hope i|i hope i|wish i would|wish i could|"
                   r"might as well|may as well|should just|i should|pray i|praying i)"
                   r" (?:just )?(?:die|be dead|end it|not wake up|never wake up|disappear forever)\b|"
                   r"\b(?:hope|pray|wish|praying|hoping) i (?:dont|do not|never|wont|will not|don t) wake up\b"),
    ("dont_want_to_live", rf"\b{_NEG_WANT} "
                          + _any("live", "be alive", "exist", "wake up", "be on this earth",
                                 "be in this world", r"be here(?: anymore| any more| no more| any longer)",
                                 "be around anymore", "keep living", "go on", "continue living",
                                 "be living", r"be here(?= \||$)") + r"\b"),
    ("cant_go_on", r"\b(?:cant|can t|can not|cannot|cnt) (?:go on|keep living|live anymore|live like this anymore|"
                   r"go on living|go on like this)\b"),
    ("no_reason_to_live", r"\b(?:no|zero|nothing|not any|not a|nt no) (?:reason|point|purpose)s? (?:to|in|for|of)"
                          r" (?:live|living|be alive|being alive|go on|going on|keep living|life|existing|exist)\b"),
    ("nothing_to_live_for", r"\bnothing (?:left )?(?:to live for|worth living for)\b"),
    ("life_not_worth", r"\b(?:life|living|my life)(?: is| s)? (?:isnt|is not|aint|s not|not|no longer|never)"
                       r" (?:worth (?:it|living)|worth anything)\b|\bnot worth living\b|\blife is pointless\b|"
                       r"\bpoint (?:of|in) (?:living|being alive)\b"),
    ("better_off_dead", r"\bbetter off (?:dead|without me|if i (?:was|were|d|had)? ?(?:dead|gone|died|not here|never been born))\b|"
                        r"\b(?:world|everyone|everybody|they|family)(?: would| d)? be better (?:off )?without me\b|"
                        r"\bbetter if i (?:was|were) (?:dead|gone|not here|not alive)\b"),
    ("wish_dead", r"\bwish i (?:was|were|had|could be|d|had been|would be) "
                  r"(?:dead|never been born|never born|not alive|not here anymore|gone forever|died|ded)\b|"
                  r"\brather (?:be dead|die)\b|\bwish i could (?:just )?(?:die|disappear forever|sleep forever)\b"),
    ("want_it_over", r"\b(?:want|wanna|need) (?:it all|everything|my life|life|it all just) to (?:end|be over)\b|"
                     r"\b(?:want|wanna) it to (?:all )?(?:end|be over) for good\b"),
    ("give_up_life", r"\b(?:give|giving|gave|given) up on (?:life|living|myself and life)\b|"
                     r"\b(?:done with|tired of|sick of) (?:life|living|being alive)\b"),
    ("goodbye", r"\b(?:goodbye|good bye|bye) (?:forever|cruel world|everyone forever)\b|\b(?:final|last) goodbyes?\b|"
                r"\bthis is (?:my )?(?:goodbye|good bye)\b"),
    ("method", r"\b(?:hang|hanging|hung|shoot|shooting|shot|drown|drowning|stab|stabbing|poison|poisoning|starve|"
               r"starving|suffocate|suffocating|gas|gassing) ?" + _ME + r"\b|"
               r"\bjump(?:ing)? (?:off|from) (?:a|the|this|that) (?:bridge|building|roof|rooftop|cliff|overpass|balcony)\b|"
               r"\bjump(?:ing)? in front of (?:a|the) (?:train|bus|car|truck)\b|"
               r"\bsl[ia]t+(?:ing)? my (?:wrists?|throat)\b|\b(?:gun|pistol|knife) to my (?:head|throat)\b|"
               r"\bblow my (?:brains|head) (?:out|off)\b|\b(?:overdose|od) on purpose\b|"
               r"\b(?:take|taking|swallow|swallowing) (?:all )?(?:of )?(?:my|the|these|those) pills\b|"
               r"\bpills to end it\b|\bend it all\b|\bending it all\b|\bend my (?:own )?life\b|"
               r"\bending my (?:own )?life\b|\b(?:take|taking) my (?:own )?life\b"),
    ("thinking_of_it", r"\b(?:thinking|thought|think|thinkin|thinkn) (?:about|of|abt|bout) (?:ending it|ending my life|"
                       r"ending things|ending it all|dying|killing myself|not being here|not being alive|"
                       r"taking my (?:own )?life|offing myself)\b"),
    ("nobody_would_care", r"\b(?:nobody|no one|noone|no1|nobody else|no body) (?:would|will|d|gonna|going to|is going to)"
                          r" (?:care|notice|miss me|even notice|even care)(?: at all)? if i (?:died|was gone|were gone|"
                          r"disappeared|killed myself|wasnt here|was not here|wasnt around|die)\b"),
    ("why_alive", r"\bwhy (?:am i|am i even|am i still|should i|do i|do i even|would i) (?:even |still )?"
                  r"(?:alive|be alive|stay alive|keep living|live|go on)\b"),
    ("burden", r"\b(?:im|i am|i m|i feel like|feel like) (?:such |just |only )?a burden\b|"
               r"\bburden (?:to|on|for) (?:everyone|everybody|my family|them|you all)\b"),
    ("disappear", r"\b(?:want|wanna|wana|wish i could|i could just|just want to) (?:to )?(?:just )?disappear\b"
                  r"(?! (?:for a|to|from|into|on|with|in|at|and (?:start|go|move)))"),
    ("farewell", r"\bgoodbye (?:everyone|everybody|world|all|yall|y all)\b|"
                 r"\b(?:goodbye|suicide) (?:letters?|notes?|texts?|messages?)\b|"
                 r"\bwr(?:ote|iting|ite) (?:my |a )?(?:goodbye|suicide|last) (?:letters?|notes?)\b"),
    ("pills", r"\b(?:took|taken|swallowed|ate|popped|take|swallow|taking|swallowing|popping)"
              r" (?:a bunch of|a lot of|all (?:of )?(?:my|the|his|her|their|these|those)|a handful of|handfuls of|"
              r"a whole bottle of|the whole bottle of|whole bottle of|a bottle of|lots of|tons of|too many)"
              r" (?:pills|bars|xans|xanax|percs|percocets|oxys|blues|tabs|sleeping pills|meds|medication|tylenol|"
              r"benzos|klonopin|valium|painkillers|pain killers)\b"),
    ("want_killed", r"\b(?:want|wish|need) (?:someone|somebody|anyone) (?:to|would|could) (?:kill|shoot|end) me\b"),
    ("dying", rf"\b(?:i m|im|i am|am|is|s|they are|he is|she is|someone is|think|thinks|think im|think i m|feel like im|feel like i m|"
              rf"feels like im|feel like i am|feel like i|{_WHO}) dying\b|"
              r"\b(?:almost|nearly|basically|about to|just about) (?:died|dead|died last night|od|od d|odd)\b"),
    ("going_to_die", rf"\b(?:{_WHO}|i|im|i m|we|were|you|u)(?: is| s| are| r| am)? (?:going to|gonna|about to|bout to|gunna|gona) die\b"),
    # Self-harm.
    ("self_harm", r"\bself ?(?:harm\w*|injur\w*|mutilat\w*|hurt\w*)\b|"
                  r"\b(?:cut|cutting|cuttin|cuting|burn|burned|burnt|burning|hurt|hurting|harm|harmed|harming|punish|punished|punishing|"
                  r"hit|hitting|bang|banging)(?: up)? ?" + _ME + r"\b|"
                  r"\b(?:started|start|starting|been|keep|back to|urge to|want to|wanna|need to) (?:cutting|cut)"
                  r"(?: again| my (?:arms?|wrists?|legs?|skin|thighs?))?(?= \||$)|"
                  r"\b(?:started|been|am|im|i m|keep) cutting (?:again|my (?:arms?|wrists?|legs?|skin|thighs?))\b"),
    # "sh" is how many write self-harm: "urge to sh", "relapsed on sh", "sh'd so bad".
    ("self_harm_sh", r"\b(?:urges? to|want to|wanna|need to|relapsed on|relapse on|slipped on|did|doing|been doing|"
                     r"clean from|days? no|weeks? no|months? no) sh\b|\bsh (?:relapse|urges?|again|tonight|last night|so bad)\b|"
                     r"\bsh (?:d|ed|ing)\b"),
    # Overdose.
    ("overdose", r"\bover ?do(?:s|z|ss|c)e?(?:d|s|ing|in|eing)?\b|\boverdoes\b"),
    ("od", r"\b(?:od|o d)(?: d| ed| ing| in| s)?\b|\bod(?:ing|ed|ded|din|ding|s|eing)\b|"
           r"\b(?:i|he|she|they|we|u|someone|somebody|friend|bf|gf|almost|nearly|prolly|probably|gonna|"
           r"going to|about to|might|may|finna)(?: just| almost| nearly)? odd\b(?! (?:one|number|numbers|thing|things|question|questions|job|jobs|but|way|ways|feeling|looking|lol|socks))"),
    ("too_much", r"\b(?:took|taken|take|did|done|used|shot|smoked|snorted|swallowed|hit|dosed|tooken)"
                 r"(?: way| a lot| wayyy| far)? (?:too|to|2) (?:much|many|big a (?:hit|shot|dose))\b"
                 r"(?! (?:time|of (?:my|your|his|her|their|the|our) (?:time|money)|money|work|effort|today|"
                 r"yesterday|this week|lately|overtime|homework|stuff|shopping|coffee|caffeine|sugar|food|candy|"
                 r"sun|classes|credits|shifts|hours|pictures|photos|selfies|naps?))"),
    ("narcan_amount", r"\bhow (?:much|many)(?: \w+){0,2}? (?:narcan|narcon|narkan|naloxone|sprays?)(?: \w+){0,3}? "
                      r"(?:do i|should i|can i|i give|to give (?:him|her|them|my))\b"
                      r"(?! (?:keep|buy|carry|have|get|order|stock|bring|pack))"),
    ("narcan", r"\b(?:narcan|narcon|narkan|naloxone|naloxon|naloxona)\b(?: \w+){0,4}? "
               r"(?:not working|isnt working|is not working|didnt work|did not work|doesnt work|does not work|"
               r"wont work|aint working|not doing anything|did nothing|no funciona|no sirve|no funciono|no sirvio)\b|"
               r"\b(?:gave|give|giving|given|used|use|using|hit|spray|sprayed|spraying|need|needs|needed|grab|"
               r"administer|administered|administering)(?: (?:him|her|them|em|my \w+|someone|somebody))?"
               r" (?:some |a |the |more |another |2 |two |second )?(?:narcan|narcon|narkan|naloxone|naloxon)\b"),
    # Someone not breathing, not waking, turning blue.
    ("not_breathing", rf"\b(?:not|isnt|is not|aint|wasnt|stopped|stop|stops|stopping|quit|barely|hardly|cant|can t|"
                      rf"can not|cannot|couldnt|wont|no longer|not really|isnt really|trouble|hard to|struggling to|"
                      rf"struggling|difficulty|labored|laboured|shallow|no) {_BREATHE}\b|"
                      rf"\b{_BREATHE}(?: is| s| sounds| seems| looks)(?: really| very| so| kinda)* (?:slow|shallow|weird|strange|funny|raspy|"
                      rf"labored|laboured|faint|irregular)\b(?! exercises?)"),
    ("unresponsive", r"\b(?:unresponsive|unresponsibe|non ?responsive|not responsive|unconscious|unconcious|"
                     r"unconsious|unconsiouss|not conscious|lost consciousness|losing consciousness)\b|"
                     r"\b(?:not|isnt|is not|wont|will not|aint|stopped|no|nt) (?:respond|responding|responsive|"
                     r"reacting)\b|"
                     r"\b(?:wont|will not|isnt|is not|not|aint|wasnt|didnt|did not) (?:wake|waking|wakin|waken)"
                     r"(?: him| her| them| em)? ?up\b(?! (?:early|on time|in time|till|until|for (?:work|school|class)))|"
                     rf"\b(?:cant|can t|can not|cannot|couldnt|could not|trying to|try to|tried to|tryna) "
                     rf"(?:(?:wake|rouse) (?:{_WHO}|my \w+|\w+) ?up|get (?:{_WHO}|my \w+) ?up|"
                     rf"(?:wake|rouse) (?:{_WHO}|my \w+))\b|"
                     r"\bno (?:pulse|heartbeat|heart beat)\b|\b(?:gurgl\w*|foaming at the mouth|death rattle)\b|"
                     r"\b(?:snoring|choking) (?:weird|weirdly|funny|strange|loud|sounds?|noises?)\b|"
                     r"\bpassed out and (?:not|wont|cant|isnt)\b|"
                     rf"\b(?:{_WHO})(?: is| s| are)? (?:not|isnt|wont|stopped|aint) mov(?:ing|e)\b"
                     r"(?! (?:out|in|back|away|to|here|there|forward|on|house|houses|again|anywhere|cities|states))|"
                     r"\b(?:gr[ae]y|blue|purple|pale) and (?:cold|clammy)\b|\bcold and (?:blue|gr[ae]y|purple)\b"),
    ("turning_blue", rf"\b(?:turning|turned|turn|turns|going|gone|went|getting) "
                     rf"(?:all |kinda |really |so |very |pretty |a little |lil |a bit )?{_BLUE_ONLY}\b|"
                     rf"\b(?:turning|turned) (?:all |kinda |really |so |very |pretty |a little |lil |a bit )?gr[ae]y\b|"
                     rf"\b(?:lips?|face|skin|fingers?|fingertips|finger tips|mouth|toes)"
                     rf"(?: (?:are|is|s|r|look|looks|looking|turning|turned|going|went|getting|got|gone|kinda|all|"
                     rf"really|so|very|pretty|a|bit|lil|little|real))* {_BLUE}\b|"
                     rf"\b{_BLUE} (?:lips?|fingers?|fingertips|skin)\b"),
    ("seizure", r"\bseizures?\b|\bseizing\b|\bconvuls\w*\b"),
    ("mayday", r"\bmayday\b"),
    ("emergency", r"\b911\b|\bnine one one\b|\bambulance\b|\bparamedics?\b|\bemergency\b"),
    # Spanish.
    ("suicide_es", r"\b(?:me )?(?:quiero|quisiera|deseo|voy a|prefiero|tengo ganas de|ganas de|me dan ganas de|"
                   r"pienso en|pensando en|necesito) (?:morir(?:me)?|matarme|suicidarme|quitarme la vida|"
                   r"desaparecer para siempre|estar muert[oa]|no despertar|dormir para siempre)\b|"
                   r"\bme (?:quiero|voy a|pienso|tengo que|quisiera) (?:matar|morir|suicidar|quitar la vida)\b|"
                   r"\b(?:intente|trate de|me intente|me trate de) (?:matarme|suicidarme|quitarme la vida|ahorcarme|"
                   r"matar|suicidar|quitar la vida)\b|"
                   r"\bno (?:quiero|puedo) (?:vivir|estar viv[oa]|existir|seguir (?:viviendo|viv[oa]|aqui|adelante))\b|"
                   r"\bya no (?:quiero|puedo) (?:vivir|seguir)(?= \||$)|"
                   r"\b(?:quitarme la vida|acabar con mi vida|terminar con mi vida|acabar con todo|mejor muert[oa]|"
                   r"estaria mejor muert[oa]|no vale la pena vivir)\b|"
                   r"\bno tengo (?:razon|razones|motivo|motivos|nada) (?:para|por (?:que|lo que)) vivir\b"),
    ("farewell_es", r"\b(?:este es|es|este sera|sera) mi ultimo mensaje\b"
                    r"(?! (?:por|del|de (?:hoy|la noche|este|esta)|antes|para (?:hoy|ti hoy)|de la semana)\b)|"
                    r"\bcartas? de despedida\b|\badios (?:para siempre|mundo cruel)\b|"
                    r"\b(?:quiero|voy a|me voy a)(?: darme| meterme| hacerme| tener| tomar)? una sobre ?dosis\b"),
    # "me muero" is first of all an idiom ("me muero de sueno", "me muero por verte"):
    # a weak rule, so the model decides.
    ("dying_es", r"\b(?:me estoy muriendo|se esta muriendo|me muero|se muere|se nos muere)\b"),
    ("self_harm_es", r"\b(?:hacerme dano|hacerme danio|lastimarme|cortarme|me corto|me estoy cortando|me lastimo|"
                     r"autolesion\w*|me hago dano)\b"),
    ("overdose_es", r"\bsobre ?dos[ie]s\b|\bsobredosi\b|\bsobredos\b|"
                    r"\b(?:se|me)? ?(?:tome|tomo|use|uso|meti|metio|consumi|consumio|inyecte|inyecto|fume|fumo) "
                    r"demasiad[oa]\b"),
    ("not_breathing_es", r"\bno (?:respira|esta respirando|puede respirar|puedo respirar|respiro)\b|"
                         r"\bdejo de respirar\b|\bcasi no respira\b|\brespira (?:muy )?(?:lento|poco|raro|despacio)\b"),
    ("unresponsive_es", r"\bno (?:despierta|se despierta|reacciona|responde a nada|se mueve)\b|\binconsciente\b|"
                        r"\bdesmayad[oa] y no\b"),
    ("turning_blue_es", r"\blabios (?:azules|morados)\b|\bse (?:esta )?(?:poniendo|puso|pone) (?:azul|morad[oa]|gris)\b|"
                        r"\besta (?:azul|morad[oa])\b"),
    ("emergency_es", r"\bambulancia\b|\bemergencia\b"),
    # Narcan needed now, or just given: an overdose is happening (weak, as "narcan" is).
    ("narcan_es", rf"\b(?:necesito|ocupo|urge|traigan|traeme|pasame)(?: el| un| una| la)? (?:narcan|narkan|naloxona)"
                  rf"(?= \||$| (?:ya|rapido|ahorita|urgente|ahora|por favor|porfa|ayuda)\b)|"
                  r"\b(?:donde|como) (?:se pone|le pongo|pongo|se usa|uso|le doy|se le pone|se le da)(?: el| un| una| la)? "
                  r"(?:narcan|narkan|naloxona)(?: \w+)? (?:ya|rapido|ahorita|urgente|ahora|ayuda)\b|"
                  r"\b(?:le|les) (?:di|puse|pusimos|dimos|estoy dando|estoy poniendo|acabo de dar|acabo de poner)"
                  r"(?: el| un| una| otro| dos| mas| la)? (?:narcan|narkan|naloxona)\b"),
    # "me mato" is also "me mató" (it killed me: "el examen me mato", "me mato de risa"),
    # so it counts only with "now" (hoy, esta noche, ahorita) and nothing after it, or
    # with a means.
    ("kill_self_es", rf"\b(?:hoy|esta noche|ahorita|ahora|ahora mismo|hoy mismo|ahora si|manana)(?: si| mismo)? "
                     rf"me mato{_NOW_ES_TAIL}|"
                     rf"\bme mato (?:hoy|esta noche|ahorita|ahora|ya|hoy mismo|de una vez){_NOW_ES_TAIL}|"
                     rf"\b(?:no aguanto mas|ya no aguanto|no puedo mas|ya no puedo mas|te lo juro|lo juro) me mato(?= \||$)|"
                     r"\bme mato con (?:las|unas|mis|un|una|el|la|todas las|todo el) "
                     r"(?:pastillas|pistola|cuchillo|navaja|soga|cuerda|fentanilo|fenta|chiva|gas|arma|cuete)\b"),
    # "no estoy en peligro", "en peligro de recaer" are not.
    ("danger_es", r"\b(?<!no )(?:estoy|estamos|me siento|nos sentimos|corro|corremos|mi vida esta|"
                  r"mis hijos estan|mi familia esta|mi bebe esta)(?: en)? peligro\b(?! de (?!muerte|morir))"),
    # Violence, happening now.
    ("break_in_es", rf"\b(?:alguien|un hombre|un tipo|un vato|unos tipos|unos hombres|unos vatos|un desconocido|"
                    rf"un extrano|un ladron|ladrones|(?:mi|el) ex)(?: se)? (?:entro|metio|metieron|entraron|esta entrando|"
                    rf"estan entrando|esta metiendo|estan metiendo|quiere entrar|quieren entrar|esta tratando de entrar|"
                    rf"estan tratando de entrar|trata de entrar|tratan de entrar|anda|andan|esta|estan)(?: a| en| dentro de)? "
                    rf"{_HOME_ES}\b(?! de )|"
                    rf"\bse (?:metieron|entraron|estan metiendo) (?:a|en) {_HOME_ES}\b|"
                    rf"\bhay (?:alguien|un hombre|un tipo|unos tipos|un desconocido|un extrano)"
                    rf" (?:en|dentro de|adentro de) {_HOME_ES}\b(?! de )|"
                    r"\b(?:estan|esta) (?:forzando|rompiendo|tumbando|pateando) (?:la|mi) (?:puerta|ventana)\b"),
    ("threat_es", rf"\b(?:{_PARTNER_ES})(?: (?:me dijo que|dice que|dijo que|ya|otra vez|de nuevo|esta noche|hoy))? "
                  rf"(?:me va a matar|me van a matar|me quiere matar|me quieren matar|me mata|me esta matando|"
                  rf"me va a golpear|me va a pegar|me amenaza con|me amenazo con|me esta amenazando con)\b{_NOT_JOKING_ES}|"
                  r"\bsi (?:lo|la|te) dejo (?:me mata|me va a matar|nos mata|nos va a matar)\b|"
                  rf"\b(?:hoy|esta noche|ahorita|ahora) (?:me|nos) (?:matan|van a matar)\b{_NOT_JOKING_ES}|"
                  rf"\b(?:me|nos) (?:quieren|van a) matar (?:hoy|esta noche|ahorita|ahora)\b{_NOT_JOKING_ES}"),
    ("assault_es", rf"\b(?:me|nos) (?:esta|estan) (?:pegando|golpeando|pateando|ahorcando|estrangulando|apunalando|"
                   rf"acuchillando|violando)\b{_NOT_A_PERSON_ES}|"
                   r"\b(?:la|lo|le|les) (?:esta|estan) (?:golpeando|pateando|ahorcando|estrangulando|apunalando|"
                   r"acuchillando|violando)\b|"
                   # "le estan pegando a mi mama"; not "le esta pegando a la botella / al gym".
                   r"\b(?:le|les) (?:esta|estan) pegando (?:a (?:mi|mis|su|sus|tu|una|un)|a la (?!botella|chela|pipa|piedra))\b|"
                   # "mi novio me pego", "el me golpeo": just now, by someone.
                   rf"\b(?:{_PARTNER_ES}) me (?:golpeo|pego|pateo|ahorco|estrangulo|apunalo|acuchillo)\b{_NOT_A_PERSON_ES}|"
                   rf"\b(?:{_PARTNER_ES}) me (?:esta|estan) (?:pegando|golpeando|pateando)\b|"
                   rf"\b(?:dice|dijo|grita|amenaza|amenazo) que (?:me va a matar|me mata|nos va a matar|va a matarme|"
                   rf"nos mata)\b{_NOT_JOKING_ES}"),
]
_COMPILED = [(name, re.compile(pattern)) for name, pattern in _RULES]
# Most texts match no rule: one search over all of them answers that at once, and only
# a hit pays for finding which rule it was.
# Every rule starts at a word boundary (kms after a zero-width look-behind), so the
# boundary is checked once, before the alternatives: 40% less time per text.
assert all(pattern.startswith((r"\b", "(?<")) for _, pattern in _RULES)
_ANY_RULE = re.compile(r"\b(?:" + "|".join(f"(?:{pattern})" for _, pattern in _RULES) + ")")

# Typo tolerance for the words that matter most: one edit (Damerau-Levenshtein)
# away, same first letter, at least 7 letters. Real words one edit away are excluded
# (checked against a dictionary when the list was made).
_FUZZY_TARGETS = {
    "overdose": "overdose", "overdosed": "overdose", "overdosing": "overdose", "overdoses": "overdose",
    "suicide": "suicide", "suicidal": "suicide", "unresponsive": "unresponsive",
    "unconscious": "unresponsive", "sobredosis": "overdose_es", "suicidio": "suicide_es",
}
_NOT_TYPOS = frozenset({"overdone", "overdoing", "overdoes", "suicides"})
_REPEATS = re.compile(r"([^\W\d_])\1{2,}")


# Spanish denials and past history. The rules above read words only, so "no me quiero
# matar" holds "me quiero matar" and "hace 5 anos intente quitarme la vida" holds
# "quitarme la vida". A rule that fires only on such a phrase becomes the weak rule
# `denial_es` or `past_es`: the model decides, and the rule alone never makes the
# crisis sure. They are read clause by clause, with the punctuation the rules never see,
# so "no, me quiero matar" (an answer, then the wish) is no denial.
_CLAUSE_ES = re.compile(r"[,.;:!?¿¡\n()\[\]—–…\"“”]+|\s-+\s")
# Harm to oneself, as the verb or its object, folded.
_HARM_ES = (r"(?:morir(?:me)?|muera|muerto|muerta|matar(?:me)?|mato|matare|mataria|suicidar(?:me)?|suicido|suicidaria|"
            r"(?:el )?suicidio|quitar(?:me)? la vida|quitaria la vida|quito la vida|acabar con (?:mi vida|todo)|"
            r"(?:hacer(?:me)?|haria|hare|hago|hice) (?:dano|danio|nada)|lastimar(?:me)?|lastimo|lastimaria|"
            r"cortar(?:me)?|corto|cortaria|la muerte|(?:una )?sobre ?dosis)")
# The words a denial may hold between "no" and the harm: "no me voy a matar", "nunca
# me haria dano", "no pienso en quitarme la vida". Closed on purpose: "no quiero vivir",
# "no aguanto, me voy a matar", "no me importa morir" are no denials.
_BETWEEN_ES = (r"(?:me|te|yo|lo|la|voy|vas|va|a|quiero|quisiera|pienso|pensando|planeo|tengo|ganas|de|en|estoy|estar|haria|he|"
               r"pense|pensado|intente|intentado|"
               r"hare|podria|seria|capaz|intentaria|intentare|volveria|volvere|otra|vez|mas|ya|nunca|jamas|tampoco|tener|"
               r"planes|hacer|hacerme|ninguna|ningun|intencion|animo)")
# Not after "si" or "que": "si no me corto me vuelvo loca", "por que no me mato".
_DENIAL_ES = re.compile(rf"\b(?<!\bsi )(?<!\bque )(?:no|nunca|jamas|tampoco|ni)(?: {_BETWEEN_ES})* {_HARM_ES}\b")
# When in the past: years or months ago, a year, youth. "hace un rato" (a while ago) is
# now, and so is "ayer".
_WHEN_PAST_ES = re.compile(
    r"\bhace (?:(?:un|una|unos|unos cuantos|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|muchos|varios|\d+) )?"
    r"(?:ano|anos|mes|meses|tiempo|mucho|mucho tiempo)\b|\ben (?:19|20)\d\d\b|\bel ano pasado\b|"
    r"\bde (?:joven|chavo|chava|chamaco|chamaca|morro|morra|nino|nina|adolescente)\b|"
    r"\bcuando (?:era|tenia|estaba|vivia|andaba|iba)\b|\ben el pasado\b|\buna vez\b|\ben ese tiempo\b|\bantes(?! de| que)\b"
)
# A past wish, attempt or overdose: "intente quitarme la vida", "me quise matar", "tuve
# una sobredosis", "pense en matarme", "me cortaba".
_PAST_ES = re.compile(
    rf"\b(?:intente|intento|intentaba|trate de|quise|queria|pense en|pensaba en|pense|pensaba|planee|"
    rf"estuve a punto de|casi|me quise|me queria|me trate de|me intente)(?: {_BETWEEN_ES})* {_HARM_ES}\b|"
    r"\bme (?:corte|cortaba|lastime|lastimaba|hice dano|hacia dano)\b|"
    r"\b(?:tuve|tenia|sobrevivi|sobrevivi a) (?:una |un |mi |varias |dos |tres )?(?:sobre ?dosis|intento de suicidio|"
    r"intentos de suicidio|pensamientos (?:de suicidio|suicidas|de matarme|de muerte))\b"
)


def _clauses(raw: str, split_apostrophes: bool) -> str:
    """The text folded clause by clause, each clause's denials (and, in a text about the
    past, its past history) blanked out."""
    past = None
    out = []
    for clause in _CLAUSE_ES.split(raw):
        folded = _REPEATS.sub(r"\1", fold(clause, split_apostrophes=split_apostrophes))
        if not folded:
            continue
        folded = _DENIAL_ES.sub(" | ", folded)
        if past is None:
            past = bool(_WHEN_PAST_ES.search(_REPEATS.sub(r"\1", fold(raw))))
        if past:
            folded = _PAST_ES.sub(" | ", folded)
        out.append(folded)
    return " ".join(out)


def _variants(message: Message) -> list[str]:
    out = []
    for folded in (message.folded, message.folded_split):
        if folded and folded not in out:
            out.append(folded)
    return out


def _fuzzy(guarded: str) -> str | None:
    for word in guarded.split():
        if len(word) < 7 or word in _NOT_TYPOS:
            continue
        for target, name in _FUZZY_TARGETS.items():
            if word[0] == target[0] and DamerauLevenshtein.distance(word, target, score_cutoff=1) <= 1:
                return name + "_typo"
    return None


def _first_rule(variants: list[str]) -> str | None:
    for variant in variants:
        guarded = _GUARD.sub(" | ", variant)
        if _ANY_RULE.search(guarded):
            for name, pattern in _COMPILED:
                if pattern.search(guarded):
                    return name
        typo = _fuzzy(guarded)
        if typo:
            return typo
    return None


def crisis_reason(text: Message | str) -> str | None:
    """The name of the first crisis rule that fires, or None.

    Never log it together with the message body.
    """
    message = Message.of(text)
    variants = _variants(message)
    reason = _first_rule(variants)
    if reason is None or not any(_DENIAL_ES.search(v) or _PAST_ES.search(v) for v in variants):
        return reason
    # A Spanish denial or past history is in the text: does a rule still fire without it?
    without = [_clauses(message.raw, split) for split in (False, True)]
    if _first_rule(without) is not None:
        return _first_rule(without)
    return "denial_es" if any(_DENIAL_ES.search(v) for v in variants) else "past_es"


def is_crisis(text: Message | str) -> bool:
    """True when a rule fires. The engine asks flows.understand, which adds the model."""
    return crisis_reason(text) is not None


# Rules that also fire on texts that are not a crisis (past history, questions, idioms:
# "I overdosed in 2019", "what are the signs of an overdose", "how do I use narcan",
# "my grandma is dying"), measured on content/examples/ (`steady eval` lists each rule's
# hits on hard negatives). The model may overrule them; the others always count.
WEAK_RULES = frozenset({
    "overdose", "od", "overdose_typo", "narcan", "dying", "going_to_die", "emergency", "seizure",
    "suicide", "suicide_typo", "self_harm", "emergency_es", "overdose_es", "overdose_es_typo",
    "suicide_es_typo", "unresponsive", "not_breathing", "turning_blue", "too_much", "pills", "dying_es",
    "denial_es", "past_es", "narcan_es",
})

# Rules that name the kind of crisis outright: wanting to die, killing oneself, self-harm.
# For the others the kind model decides ("not breathing" may be the texter or a friend).
_SUICIDE_RULES = frozenset({
    "kill_self", "kms", "want_to_die", "let_me_die", "dont_want_to_live", "cant_go_on",
    "no_reason_to_live", "nothing_to_live_for", "life_not_worth", "better_off_dead", "wish_dead",
    "want_it_over", "give_up_life", "goodbye", "method", "thinking_of_it", "nobody_would_care",
    "why_alive", "burden", "disappear", "farewell", "want_killed", "suicide_es", "self_harm_es",
    "self_harm_sh", "kill_self_es", "farewell_es",
})


# Rules that name violence outright: a partner's threat, a break-in, a beating now.
_VIOLENCE_RULES = frozenset({"break_in_es", "threat_es", "assault_es"})


# Weak rules that read a denial or past history ("ya no pienso en morirme, estoy mejor",
# "hace 5 años intenté quitarme la vida"): however sure the model is, the reading is never
# sure, so the person gets the crisis reply and the answer to what they said.
NEVER_SURE = frozenset({"denial_es", "past_es"})


def is_weak(rule: str) -> bool:
    return rule in WEAK_RULES


def kind_for(rule: str | None, model_kind: str) -> str:
    """The crisis kind: "suicide" or "violence" when the rule says so, else what the kind
    model says."""
    if rule in _SUICIDE_RULES:
        return "suicide"
    if rule in _VIOLENCE_RULES:
        return "violence"
    return model_kind
