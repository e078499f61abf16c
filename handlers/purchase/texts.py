"""Every word of the purchase journey (catalogue ids), in one place so the
stages and the tests share them."""

from __future__ import annotations

from bot.i18n import N_


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message for extraction (babel's `ngettext:1,2` keyword);
    shown with `turn.t.ngettext(*MESSAGE, n, ...)`."""
    return singular, plural

# Product list and card
CHOOSE_PRODUCT = N_("<b>🛡 Buy cover</b>\nChoose the insurance:")
PRODUCT_BUTTON = N_("%(name)s · %(currency)s")
CARD_SOLD = N_("📍 Sold in %(country)s to %(whom)s.")
CARD_PHONE = N_("📱 Signing needs a mobile number of %(country)s (%(prefix)s): the code comes to it by SMS.")
CARD_PRICE = N_("<b>Price</b>")
CARD_PRICE_FOR_LOAN = N_("For a loan of %(amount)s for %(months)s:")
CARD_PRICE_RANGE = N_("from %(low)s to %(high)s, by age")
CARD_RATE_BAND = N_("%(rate)s of the loan for %(from)s–%(to)s months")
CARD_RATE_BAND_OPEN = N_("%(rate)s of the loan from %(from)s months")
CARD_RATE_TABLE = N_("from %(low)s to %(high)s of the sum insured, by age and term")
CARD_TAX = N_("plus %(rate)s sales tax")
CARD_PRICE_LATER = N_("The exact price comes as soon as you give the loan amount and term.")
SAMPLE_TARIFF = N_(
    "⚠️ Sample tariff: the insurer's rules (%(clause)s) give no rate; this price is a sample until the insurer confirms it."
)
CARD_COVERED = N_("<b>What is covered</b>")
CARD_EXCLUSIONS = N_("<b>Exclusions</b>")
CARD_RULES = N_("Full rules: %(url)s")
CARD_CHOOSE = N_("Choose the cover:")
OPTION_PRICE = N_("%(option)s · %(price)s")
CONTINUE = N_("Continue ▶️")
ALL_EXCLUSIONS = N_("📄 All exclusions")
COUNTRY_NAMES = {"KZ": N_("Kazakhstan"), "KG": N_("Kyrgyzstan")}
COUNTRY_PREFIX = {"KZ": "+7", "KG": "+996"}
LINK_NOT_VERIFIED = N_(
    "This bank link could not be checked, so the loan and the bank were not taken from it. "
    "You can go on and give them yourself, or ask your bank for a new link."
)
RESUME = N_("<b>🛡 Buy cover</b>\nYou have an unfinished application for %(product)s. Continue it?")
RESUME_YES = N_("▶️ Continue")
START_OVER = N_("🔄 Start over")

# Declaration
DECLARE_TITLE = N_("<b>🛡 %(product)s › Before you buy</b>")
DECLARE_TEXT = N_("Does any of this apply to you?")
DECLARE_FOOTER = N_("Your answer is printed on the application you sign: the insurer relies on it.")
SOMEONE_ELSE = N_("This insurance is for someone else, not for me, the borrower.")
NONE_APPLIES = N_("✅ None of this applies to me")
SOMETHING_APPLIES = N_("☑️ Something applies")
MARK_TEXT = N_("Tap the numbers of what applies to you, then “Done”.")
MARK_DONE = N_("Done")
REFUSED_TITLE = N_("<b>🛡 %(product)s › Not available</b>")
REFUSED_AGE = N_("The insured person must not reach the age of %(age)s during the cover (clause %(clause)s of the rules).")
REFUSED_DECLARATION = N_("The rules do not allow this insurance for the answer “Yes” to: %(question)s (clause %(clause)s).")
REFUSED_HANDOVER = N_(
    "When the insured person is not the buyer, the contract is concluded on paper with ID documents "
    "(clause %(clause)s of the rules). A specialist will help you with this."
)
REFUSED_FOOTER = N_("Your answers are saved. A specialist can explain the options.")

# Application fields
STEP = N_("<b>🛡 %(product)s › Application, step %(number)s of %(total)s</b>")
PROMPTS = {
    "loan_amount": N_("What is the loan amount in %(currency)s? For example: 500000"),
    "term_months": N_("For how many months is the loan? Choose or type the number of months."),
    "cover_option": N_("Choose what the insurance covers:"),
    "personal_number": N_("Your personal number (%(kind)s): the date of birth is read from it."),
    "full_name": N_("Date of birth from your personal number: <b>%(date)s</b>.\n\n"
                    "Your full name as in your ID document (surname, name, patronymic):"),
    "identity_document": N_("Your ID document in one message: series and number, date of issue, who issued it. "
                            "For example: %(example)s"),
    "address": N_("Your home address (city, street, house, flat):"),
    "workplace": N_("Where do you work? Employer and position:"),
    "beneficiary": N_("Who receives the payout in case of death (the beneficiary)? Write the bank or the person "
                      "as your contract names them."),
    "sum_insured": N_("The sum insured: the loan amount is suggested. Choose it or type another amount:"),
    "cover_start": N_("From which date should the cover start? Choose or type a date:"),
    "phone": N_("Share your phone number with the button below: the signing code will come to it."),
}
LABELS = {
    "loan_amount": N_("Loan amount"),
    "term_months": N_("Loan term"),
    "cover_option": N_("Cover"),
    "declarations": N_("Statements"),
    "personal_number": N_("Personal number"),
    "birth_date": N_("Date of birth"),
    "full_name": N_("Full name"),
    "identity_document": N_("ID document"),
    "address": N_("Address"),
    "workplace": N_("Workplace"),
    "beneficiary": N_("Beneficiary"),
    "loan_agreement": N_("Loan agreement"),
    "phone": N_("Phone"),
    "sum_insured": N_("Sum insured"),
    "cover_start": N_("Cover starts"),
}
PERSONAL_NUMBER_KIND = {"KZ": N_("IIN, 12 digits"), "KG": N_("PIN, 14 digits")}
DOCUMENT_EXAMPLE = {"KZ": "N12345678 01.02.2020 МВД РК", "KG": "ID1234567 10.05.2018 МКК 50-01"}
DOCUMENT_LINE = N_("%(number)s, issued %(date)s by %(issuer)s")
MONTHS = N_("%(months)s mo.")
NOT_WORKING = N_("Not employed")
SAME_AS_LOAN = N_("= loan amount, %(amount)s")
TOMORROW = N_("Tomorrow, %(date)s")
ANOTHER_NUMBER = N_("✏️ Another number")
THAT_IS_ME = N_("✅ %(name)s")
PHONE_BUTTON_ONLY = N_("Please use the “📱 Share my phone” button below: the code must go to your own number.")
STRANGER_CONTACT = N_("This is someone else's contact. Please share your own number with the button.")
PHONE_NOT_MOBILE = N_("This number cannot receive SMS codes. Please share a mobile number of %(country)s.")
SAVED = N_("✅ Saved.")

FIELD_ERRORS = {
    "too_long": N_("This is too long. Please write it shorter."),
    "too_short": N_("This is too short. Please write it in full."),
    "name_words": N_("Please write at least your surname and name, as in your ID document."),
    "name_letters": N_("A name can contain only letters, hyphens and apostrophes."),
    "date_format": N_("Please write the date as DD.MM.YYYY, for example 21.03.1988."),
    "date_invalid": N_("There is no such date. Please check the day and month."),
    "under_18": N_("The buyer must be at least 18 years old."),
    "date_in_future": N_("This date cannot be in the future."),
    "date_too_old": N_("Please check the year."),
    "document_number": N_("Please write the series and number as printed, for example N12345678."),
    "document_no_date": N_("The date of issue is missing. Please send the whole line again with the date, "
                           "for example: %(example)s"),
    "document_no_issuer": N_("Who issued the document is missing. Please send the whole line again with the issuer, "
                             "for example: %(example)s"),
    "amount_format": N_("Please write the amount in digits, for example 500000."),
    "amount_not_positive": N_("The amount must be more than zero."),
    "amount_too_large": N_("This amount is too large. Please check it."),
    "term_format": N_("Please write the number of months in digits, for example 24."),
    "term_range": N_("The term must be from 1 to 360 months."),
    "start_not_future": N_("The cover can start tomorrow at the earliest."),
    "start_too_far": N_("The cover can start within 90 days at most."),
    "sum_above_loan": N_("The sum insured cannot be more than the loan amount (%(amount)s)."),
    "personal_number": N_("This personal number is not valid. Please check the digits."),
    "personal_number_checksum": N_("The last digit of this number does not match the others: "
                                   "please check the number against your ID document."),
    "personal_number_length": N_("The number must have %(digits)s digits; you sent %(given)s."),
}

# Summary, signing, payment
SUMMARY_TITLE = N_("<b>🛡 %(product)s › Check your application</b>")
SUMMARY_LOAN = ngettext("%(amount)s for %(months)s month", "%(amount)s for %(months)s months")
SUMMARY_PERIOD = N_("Period: %(start)s – %(end)s")
SUMMARY_FROM_PAYMENT = ngettext("Cover: from the moment of payment, for %(months)s month (clause %(clause)s)",
                                "Cover: from the moment of payment, for %(months)s months (clause %(clause)s)")
SUMMARY_PREMIUM = N_("Premium: %(premium)s")
SUMMARY_TAX = N_("Sales tax: %(tax)s")
SUMMARY_TOTAL = N_("<b>Total to pay: %(total)s</b>")
SUMMARY_CONSENTS = N_("By signing you also accept:\n%(items)s")
SIGN_BUTTON = N_("✍️ All correct: sign")
SIGN_WITH_PHONE = N_(
    "To sign, share your phone with the button below: the code comes to it. "
    "Sharing it confirms the application and the consents above."
)
SHARE_AND_SIGN = N_("📱 Share my phone and sign")
EDIT = N_("✏️ Edit")
EDIT_TITLE = N_("<b>🛡 %(product)s › Edit</b>\nWhat would you like to change?")
READ = N_("📄 %(title)s")
SIGN_TITLE = N_("<b>✍️ %(product)s › Signing</b>")
SIGN_TEXT = N_(
    "Your consents are recorded and your application is attached above. We sent a 6-digit code to %(phone)s: "
    "type it here to sign the application. The code is valid for 5 minutes."
)
APPLICATION_CAPTION = N_("Application No. %(number)s: please check it before signing.")
SMS_TEXT = N_("Qamqor: code %(code)s to sign application No. %(number)s. Do not tell it to anyone.")
RESEND = N_("🔁 Send a new code")
CODE_FORMAT = N_("The code has 6 digits. Please type them as they came in the SMS.")
CODE_WRONG = N_("Wrong code. Tries left: %(left)s.")
CODE_BURNED = N_("Too many wrong tries. Please ask for a new code.")
CODE_EXPIRED = N_("The code has expired. Please ask for a new code.")
CODE_WAIT = N_("A new code can be sent in %(seconds)s s.")
CODE_LIMIT = N_("Too many codes for this application. A specialist will help you.")
CODE_SENT = N_("A new code is sent.")
SIGNED = N_("✅ Application No. %(number)s is signed, %(when)s.")
PAY_TITLE = N_("<b>💳 %(product)s › Payment</b>")
PAY_INVOICE = N_("Pay %(total)s with the invoice below. The policy comes here right after the payment.")
PAY_AWAITING = N_(
    "Application No. %(number)s is signed. Awaiting payment of %(total)s: pay it as your bank or the "
    "insurer tells you; the policy comes here as soon as the payment is confirmed."
)
INVOICE_DESCRIPTION = N_("Premium and sales tax, cover %(start)s – %(end)s, application No. %(number)s")
INVOICE_FROM_PAYMENT = ngettext("Cover from the payment for %(months)s month, application No. %(number)s",
                                "Cover from the payment for %(months)s months, application No. %(number)s")
INVOICE_SAMPLE = N_("Sample tariff.")
PREMIUM_LABEL = N_("Premium")
TAX_LABEL = N_("Sales tax")
CHECKOUT_CHANGED = N_("This invoice is out of date. Please open the application in the bot again.")
CHECKOUT_EXPIRED = N_("The price offer has expired. Please confirm the application again in the bot.")
ISSUED = N_(
    "<b>✅ Policy No. %(number)s is issued</b>\n%(product)s\nCover: %(start)s – %(end)s\n"
    "Sum insured: %(sum)s\nPaid: %(total)s\n\nThe certificate is attached."
)
CERTIFICATE_CAPTION = N_("Policy No. %(number)s")
STAFF_AWAITING = N_(
    "Application No. %(number)s (%(product)s, %(name)s) is signed and awaits payment of %(total)s. "
    "When it is paid, send: /paid %(number)s"
)
STAFF_PAID_USAGE = N_("Usage: /paid APPLICATION_NUMBER")
STAFF_PAID_UNKNOWN = N_("Application No. %(number)s is not awaiting payment.")
STAFF_PAID_DONE = N_("Policy No. %(policy)s is issued for application No. %(number)s and sent to the client.")
