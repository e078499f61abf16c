"""Every label printed on the application and the certificate.

Each label is an English gettext msgid, translated at render time into each of
the product's document languages (`Product.languages`). Keep them here so the
catalogue extraction (`pybabel extract`, keyword `N_`) finds them in one place.
Placeholders use the `%(name)s` form the rest of the bot uses.
"""

from __future__ import annotations

from bot.i18n import N_, Translator

# Titles
APPLICATION_TITLE = N_("Application for insurance")
CERTIFICATE_TITLE = N_("Insurance certificate (policy)")
CERTIFICATE_NUMBER = N_("No. %(number)s")
ISSUED_AT = N_("Date of issue")

# Sections
SECTION_POLICYHOLDER = N_("Policyholder (insured person)")
SECTION_POLICYHOLDER_AND_INSURED = N_("Policyholder and insured person")
SECTION_BENEFICIARY = N_("Beneficiary")
SECTION_TERMS = N_("Terms of the insurance contract")
SECTION_PREMIUM = N_("Insurance premium")
SECTION_ACCEPTED = N_("Consents and acceptance")
SECTION_SIGNATURE = N_("Electronic signature")
SECTION_INSURER = N_("Insurer")
SECTION_BASIS = N_("Basis of the contract")
SECTION_CLAIMS = N_("Insured event: whom to contact")

# Person
FULL_NAME = N_("Full name")
BIRTH_DATE = N_("Date of birth")
PERSONAL_NUMBER_KZ = N_("Individual identification number (IIN)")
PERSONAL_NUMBER_KG = N_("Personal identification number (PIN)")
PERSONAL_NUMBER = N_("Personal identification number")
ID_DOCUMENT = N_("Identity document: series and number")
ID_ISSUED_ON = N_("Date of issue of the document")
ID_ISSUER = N_("Issued by")
ADDRESS = N_("Address")
PHONE = N_("Phone")
WORKPLACE = N_("Place of work")
SAME_PERSON = N_("The policyholder is the insured person.")

# Terms
COVER_OPTION = N_("Cover option")
RISKS = N_("Insured risks")
SUM_INSURED = N_("Sum insured")
LOAN_AMOUNT = N_("Loan amount")
LOAN_TERM = N_("Loan term, months")
COVER_TIME = N_("Time of cover")
COVER_TIME_24H = N_("24 hours a day")
COVER_START = N_("Start of cover")
COVER_END = N_("End of cover")
COVER_PERIOD = N_("Period of cover")
TERRITORY = N_("Territory of cover")

# Territory of cover per product code (SAKBOL application form section 6;
# Nomad Life rules 5.3). A product not listed prints the fallback.
TERRITORIES = {
    "sakbol": N_("Kyrgyz Republic"),
    "nomad_life": N_(
        "Worldwide, except zones of war and terror, states under military sanctions, "
        "states not officially recommended by Kazakhstan's foreign ministry, and declared "
        "epidemic areas (rules 5.3)"
    ),
}
TERRITORY_FALLBACK = N_("As set by the insurance rules")

# Money
PREMIUM = N_("Insurance premium")
SALES_TAX = N_("Sales tax (%(rate)s)")
TOTAL = N_("Total to pay")
SAMPLE_TARIFF = N_(
    "Sample tariff: the insurance rules (%(clause)s) give no rate; this premium is a sample "
    "until the insurer confirms its tariff."
)
FROM_PAYMENT = N_("from the moment the premium is paid (%(clause)s)")
LOAN_AGREEMENT = N_("Loan agreement No.")
BENEFICIARY_DEATH = N_("Beneficiary (payout on death)")

# The applicant's statements (Nomad Life rules 4.3-4.5, SAKBOL offer 2.7).
SECTION_STATEMENTS = N_("Statements of the applicant")
STATEMENTS_INTRO = N_(
    "The applicant answered each question below; these answers are the material facts of "
    "the contract."
)
STATEMENT_SOMEONE_ELSE = N_("The insured person is someone other than the applicant")
ANSWER_YES = N_("Yes")
ANSWER_NO = N_("No")
CURRENCY = N_("Currency")

# What the applicant accepted. A short line naming each consent, not the
# full texts (those are stored with their version and hash when given).
ACCEPTED_INTRO = N_("The applicant has read and accepted:")
ACCEPT_PERSONAL_DATA = N_(
    "consent to the processing of personal data by the insurer and the beneficiary"
)
ACCEPT_TRUE_ANSWERS = N_("confirmation that the answers in this application are true and complete")
ACCEPT_OFFER = N_("acceptance of the public offer and the insurance rules published at %(url)s")
ACCEPT_RULES_READ = N_(
    "confirmation that the insurance rules, including the premium amount, have been read "
    "(%(url)s)"
)
ACCEPT_THIRD_PARTIES = N_(
    "consent for third parties to provide the information needed to conclude the contract "
    "and to decide on claims"
)
ACCEPT_INSURER_CHOICE = N_("agreement that the beneficiary chooses the insurance company")
ACCEPT_E_SIGNATURE = N_(
    "agreement that this application is an electronic document signed with an electronic "
    "signature equal to a handwritten one"
)

# Per product code: SAKBOL application form (after section 6); Nomad Life
# rules 4.2 (a)-(c) and 4.3. A product not listed prints the fallback.
ACCEPTANCES = {
    "sakbol": (ACCEPT_PERSONAL_DATA, ACCEPT_TRUE_ANSWERS, ACCEPT_OFFER, ACCEPT_INSURER_CHOICE,
               ACCEPT_E_SIGNATURE),
    "nomad_life": (ACCEPT_PERSONAL_DATA, ACCEPT_RULES_READ, ACCEPT_THIRD_PARTIES,
                   ACCEPT_TRUE_ANSWERS, ACCEPT_E_SIGNATURE),
}
ACCEPTANCES_FALLBACK = (ACCEPT_PERSONAL_DATA, ACCEPT_TRUE_ANSWERS, ACCEPT_RULES_READ,
                        ACCEPT_E_SIGNATURE)

# Signature box: "HASH | OTP code | full name | date" (SAKBOL application form)
SIGNED_BY_CODE = N_(
    "Signed with the client's electronic signature by entering the code sent to the "
    "client's mobile phone"
)
SIGNATURE_HASH = N_("Hash (SHA-256)")
SIGNATURE_CODE = N_("OTP code")
SIGNATURE_NAME = N_("Full name")
SIGNATURE_DATE = N_("Date")
APPLICATION_HASH = N_("SHA-256 of the signed application")
APPLICATION_SIGNATURE = N_("Signature of the application")
CERTIFICATE_STATEMENT = N_(
    "This electronic certificate is issued by the insurer on the basis of the application "
    "signed by the policyholder and confirms the conclusion of the insurance contract."
)

# Insurer
INSURER = N_("Insurer")
EMAIL = N_("Email")
WEBSITE = N_("Website")
LICENCE = N_("Licence")
LICENCE_VALUE = N_("%(number)s of %(date)s")
REGULATOR = N_("Insurance regulator")

# Basis of the contract
BASIS_STATEMENT = N_(
    "The contract is concluded on the terms of the document below, which is an integral "
    "part of it."
)
RULES_DOCUMENT = N_("Document")
RULES_DATE = N_("Dated")
RULES_REFERENCE = N_("Document code")
RULES_URL = N_("Published at")
RULES_WHERE = N_("Where to read it")

# Claims and contacts
REPORT_EVENT = N_("Report an insured event")
def report_within(t: Translator, calendar: str, days: int) -> str:
    """"within 10 days" with the Russian plural of the number (1, 2-4, 5+)."""
    if calendar == "working":
        return t.ngettext("within %(n)s working day", "within %(n)s working days", days)
    return t.ngettext("within %(n)s calendar day", "within %(n)s calendar days", days)
TELEMEDICINE = N_("Telemedicine")
TELEMEDICINE_ACCESS = N_(
    "On the site %(url)s or in the “Däriger Online” mobile app: sign in with your mobile "
    "number, full name and date of birth. Support: by the phone published on the site "
    "(Appendix 1 to the rules)."
)
# The appeal route printed on the certificate, per product code (Nomad Life rules 7.10, 13.3-13.5).
APPEAL_CLAUSES = {"nomad_life": "7.10, 13.3-13.5"}
APPEAL = N_("If you disagree with a decision")
APPEAL_ROUTE = N_(
    "Write to the insurer; you may also apply to the insurance ombudsman, the authorised "
    "body (the financial market regulator) or a court (%(clause)s)."
)
PHONE_PURPOSES = {
    "office": N_("Office"),
    "claims": N_("Claims settlement (emergency commissioner)"),
    "call_centre": N_("Call centre"),
}
