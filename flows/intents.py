"""Intent names: a contract. They appear in `steady chat --json` and in stored events."""

CRISIS = "crisis"
HELP = "help"
CRAVING = "craving"
PLAN = "plan"
WITHDRAWAL = "withdrawal"
TREATMENT = "treatment"
SUPPORT = "support"
MINDFULNESS = "mindfulness"
DAILY_ON = "daily_on"
DAILY_OFF = "daily_off"
STOP = "stop"
START = "start"
FALLBACK = "fallback"
# Added with daily messages and PLAN (the names above are unchanged):
DAILY_TIME = "daily_time"      # TIME 7pm
DAILY_ZONE = "daily_zone"      # ZONE Pacific, "I'm in Chicago"
DAILY_KINDS = "daily_kinds"    # "encouragement only"
MY_PLAN = "my_plan"            # MY PLAN
SLIP = "slip"                  # SLIP, "I used"
CHECKIN = "checkin"            # a 1-5 answer to a quit-date check-in

# Added with the trained model (issue: understand people in their own words):
NALOXONE = "naloxone"                # what naloxone is, where to get it, how to use it
MEDICATION = "medication"            # already on methadone/buprenorphine, wants to stop or change
DOSING = "dosing"                    # asks for amounts: Steady can't advise them
PREGNANCY = "pregnancy"              # pregnant and using, quitting or on medication
ABOUT = "about"                      # "who is this", "is this a real person"
THANKS = "thanks"                    # thanks, ok, small talk: a short warm reply
NEED_HELP = "need_help"              # "help me", "I need help": 911/988 first, then what's going on
FEELING = "feeling"                  # "tired", "kinda low": naming a feeling
CRISIS_FOLLOWUP = "crisis_followup"  # a text in crisis mode (the 30 minutes after a crisis reply)

# Added with privacy by text (issue 12):
DELETE = "delete"                    # DELETE, "forget me": erase everything, after a confirmation
MY_DATA = "my_data"                  # MY DATA, "what do you keep on me"
PRIVATE = "private"                  # PRIVATE, DISCREET: scheduled texts keep details off the lock screen
PRIVATE_OFF = "private_off"          # PRIVATE OFF

# Added with Spanish (issue 13):
SPANISH = "spanish"                  # ESPANOL, SPANISH, "en espanol": texts in Spanish from now on
ENGLISH = "english"                  # ENGLISH, INGLES: texts in English from now on

ALL = (
    CRISIS, HELP, CRAVING, PLAN, WITHDRAWAL, TREATMENT, SUPPORT, MINDFULNESS,
    DAILY_ON, DAILY_OFF, STOP, START, FALLBACK,
    DAILY_TIME, DAILY_ZONE, DAILY_KINDS, MY_PLAN, SLIP, CHECKIN,
    NALOXONE, MEDICATION, DOSING, PREGNANCY, ABOUT, THANKS, NEED_HELP, FEELING, CRISIS_FOLLOWUP,
    DELETE, MY_DATA, PRIVATE, PRIVATE_OFF, SPANISH, ENGLISH,
)

# Intents a person can reach by keyword or phrase (content/keywords.yaml lists their
# words). crisis, stop, start and help have their own fixed rules and run first.
MATCHABLE = (
    CRAVING, PLAN, WITHDRAWAL, TREATMENT, SUPPORT, MINDFULNESS, DAILY_ON, DAILY_OFF, SLIP, MY_PLAN,
    DELETE, MY_DATA, PRIVATE, PRIVATE_OFF, SPANISH, ENGLISH,
)

# Privacy requests are read from their keywords and phrases only, never the model's guess:
# an erase, even one that asks first, is not something to infer.
# A language is chosen by its words only too: what a person writes in is detected apart
# (Understanding.language_of), and never read as a choice.
BY_WORDS_ONLY = (DELETE, MY_DATA, PRIVATE, PRIVATE_OFF, SPANISH, ENGLISH)

# A label of the classifier that is not an intent of its own: a greeting or a request
# for the menu, answered as FALLBACK with the welcoming menu.
MENU = "menu"

# What the classifier chooses among (content/examples/ holds its examples). Crisis is a
# model of its own, and STOP, START and CHECKIN are decided by fixed rules only.
CLASSIFIED = tuple(i for i in MATCHABLE if i not in BY_WORDS_ONLY) + (
    DAILY_TIME, DAILY_ZONE, DAILY_KINDS, NALOXONE, MEDICATION, DOSING, PREGNANCY, ABOUT,
    THANKS, NEED_HELP, FEELING, HELP, MENU, FALLBACK,
)
