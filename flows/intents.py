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

ALL = (
    CRISIS, HELP, CRAVING, PLAN, WITHDRAWAL, TREATMENT, SUPPORT, MINDFULNESS,
    DAILY_ON, DAILY_OFF, STOP, START, FALLBACK,
    DAILY_TIME, DAILY_ZONE, DAILY_KINDS, MY_PLAN, SLIP, CHECKIN,
)

# Intents a person can reach by keyword or phrase (content/keywords.yaml lists their
# words). crisis, stop, start and help have their own fixed rules and run first.
MATCHABLE = (
    CRAVING, PLAN, WITHDRAWAL, TREATMENT, SUPPORT, MINDFULNESS, DAILY_ON, DAILY_OFF, SLIP, MY_PLAN,
)
