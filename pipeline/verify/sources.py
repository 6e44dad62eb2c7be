"""Where each rule comes from: the seed document or project text it applies, quoted so that a
reader of a finding can check the rule against its origin."""

SPECIAL_REENTRY = (
    "seed 004, 'Re-enter Japan within 1 years': 'Re-entry is allowed for one year (for special"
    " permanent residents for 2 years)'; DOMAIN.md: 'Must return before the earlier of 1 year"
    " and the period-of-stay expiry; it cannot be extended abroad.'"
)
ED_CARD_BOX = (
    "seed 004: 'check the re-entry permit on your immigration card when you leave Japan. If you"
    " forget to do it, a hole will be made in the residence card and it will be invalidated.'"
)
REENTRY_PERMIT_VALIDITY = (
    "seed 004, 'Outside Japan for over 1 years': 'Re-entry permit applications could be valid"
    " for up to 5 years (6 years for special permanent residents)'; DOMAIN.md: 'never past the"
    " period-of-stay expiry'"
)
PERMIT_PAST_STAY = (
    "DOMAIN.md, Re-entry permit: 'never past the period-of-stay expiry'; seed 004, 'The period"
    " of stay expires while you are leaving Japan': a new Certificate of Eligibility is needed"
)
VALID_PASSPORT = (
    "checklists: 'Valid passport' (seed 004: 'Present your residence card and passport')"
)
VALID_CARD = (
    "checklists: 'Valid residence card'; DOMAIN.md, Residence card: 'このカードは…まで有効です'"
    " (card valid until)"
)
STAY_EXPIRY = "DOMAIN.md, Residence card: 'PERIOD OF STAY (DATE OF EXPIRATION) 在留期間(満了日)'"
APPLICATION_PENDING = (
    "DOMAIN.md, Residence card back: 'A person who applied for extension or change before expiry"
    " may stay until the decision, at most two months past the printed expiry.'"
)
MRZ = "DOMAIN.md, Passport: ICAO 9303 check digits (weights 7,3,1; sum mod 10)"
VIZ = "DOMAIN.md, Passport: 'The visual zone repeats name, nationality, dates; the two must agree.'"
CARD_NUMBER = (
    "DOMAIN.md, Residence card: 'Card number (番号): 2 capital letters + 8 digits + 2 capital"
    " letters'"
)
PERIODS = "seed 002, Appendix 'List of Status of Residence': authorized periods of stay"
COE_STATUSES = (
    "seed 002, Certificate of Eligibility: 'whether the activity ... corresponds with any status"
    ' of residence (excluding "Temporary Visitor" and "Permanent Resident")\''
)
PROVISIONAL_APPLICANTS = (
    "seed 000, 'Those who can apply': 'Applicant himself / herself; agent, curator, spouse,"
    " immediate relative or sibling'"
)
PROVISIONAL_DEPOSIT = (
    "seed 000: 'security deposit (300 million yen or less)', a mistranslation of 300万円:"
    " the limit is 3,000,000 yen (DOMAIN.md, Provisional release)"
)
DEPARTURE_ORDER = "seed 001, 'Those who can use the departure order system', conditions 1-5"
SIGNATURE = "DOMAIN.md, Application forms: 'Signature of the applicant'"
UNDERTAKING = (
    "DOMAIN.md, Provisional release: 'letter of guarantee, ... written oath': undertakings by"
    " the guarantor and by the person concerned, given by signing them"
)
FORM_TITLE = "DOMAIN.md, Application forms: 'The form's title names its procedure.'"
CONSISTENCY = (
    "CONTRACT.md: an item is invalid when its document is 'not the applicant's'; DOMAIN.md:"
    " every document of a case is of one applicant"
)
UNREADABLE = "CONTRACT.md, Outputs: a file that could not be read is reported, the batch goes on"
PROCEDURE = (
    "CONTRACT.md, Inbox layout: case.yaml, the form's title or --procedure, else PROCEDURE_UNKNOWN"
)
CHECKLIST = "the procedure's checklist (schemas/data/checklists), which lists what it asks for"
LOW_CONFIDENCE = (
    "CONTRACT.md, verdict: needs_review when 'a read or rule needs a person: low confidence';"
    " threshold pipeline/verify/case.py LOW_CONFIDENCE_THRESHOLD"
)
