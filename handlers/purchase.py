"""Buying cover: product → card → eligibility → application → summary →
consents → signing with a one-time code → payment → policy and certificate.

Rules come from `insurance/` (premium: SAKBOL offer 3.1.2, 9.5; eligibility:
Nomad Life rules 2(4), 4.2, 4.6, SAKBOL offer 4.5; identity numbers; the
signature line of the SAKBOL form). The application lives in the database and
every answer is written through, so a half-filled application is resumed
after anything.
"""

from __future__ import annotations

import asyncio
import secrets
from html import escape
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from bot.conversation import Button, Router, Turn, translate
from bot.documents import render_application, render_certificate
from bot.i18n import N_, Translator, translator
from bot.keyboards import BACK, MAIN_MENU, MY_POLICIES, PERSON, SHARE_PHONE, back_and_person, menu_and_person
from insurance import eligibility, identity
from insurance.application import (
    ApplicationForm,
    FieldError,
    IdentityDocument,
    IssuedPolicy,
    cover_end,
    default_cover_start,
    local_today,
    parse_amount,
    parse_birth_date,
    parse_document_number,
    parse_full_name,
    parse_past_date,
    parse_start_date,
    parse_term,
    parse_text,
    signature_line,
)
from insurance.catalogue import UnknownProduct, get_product, load_catalogue
from insurance.consent import consent_text
from insurance.money import to_minor_units
from insurance.parsing import accepts, ascii_digits, parse_callback, parse_int
from insurance.premium import QuoteError, quote
from insurance.product import Product
from storage.crypto import keyed_digest
from storage.models import PolicyApplication, utcnow

CODE_TTL = timedelta(minutes=5)
CODE_TRIES = 3
CODE_RESEND_AFTER = timedelta(seconds=60)
CODES_PER_APPLICATION = 5
QUOTE_TTL = timedelta(hours=24)
TERM_CHOICES = (6, 12, 24, 36, 60)
KNOWN_FIELDS = ("full_name", "birth_date", "personal_number", "document_number", "document_issued_on",
                "document_issuer", "address", "workplace")

# Screens
CHOOSE_PRODUCT = N_("<b>🛡 Buy cover</b>\nChoose the insurance:")
PRODUCT_BUTTON = N_("%(name)s · %(currency)s")
CARD_COVERED = N_("<b>What is covered</b>")
CARD_EXCLUSIONS = N_("<b>Main exclusions</b>")
CARD_RULES = N_("Full rules: %(url)s")
CONTINUE = N_("Continue ▶️")
ALL_EXCLUSIONS = N_("📄 All exclusions")
RESUME = N_("<b>🛡 Buy cover</b>\nYou have an unfinished application for %(product)s. Continue it?")
RESUME_YES = N_("▶️ Continue")
START_OVER = N_("🔄 Start over")
QUESTION = N_("<b>🛡 %(product)s › Question %(number)s of %(total)s</b>")
SOMEONE_ELSE = N_("Is this insurance for someone else, not for you, the borrower?")
YES = N_("Yes")
NO = N_("No")
REFUSED_TITLE = N_("<b>🛡 %(product)s › Not available</b>")
REFUSED_AGE = N_("The insured person must not reach the age of %(age)s during the cover (clause %(clause)s of the rules).")
REFUSED_DECLARATION = N_("The rules do not allow this insurance for the answer “Yes” to: %(question)s (clause %(clause)s).")
REFUSED_HANDOVER = N_(
    "When the insured person is not the buyer, the contract is concluded on paper with ID documents "
    "(clause %(clause)s of the rules). A specialist will help you with this."
)
REFUSED_FOOTER = N_("Your answers are saved. A specialist can explain the options.")
STEP = N_("<b>🛡 %(product)s › Application, step %(number)s of %(total)s</b>")

# Fields: prompt and summary label
PROMPTS = {
    "loan_amount": N_("What is the loan amount in %(currency)s? For example: 500000"),
    "term_months": N_("For how many months is the loan? Choose or type the number of months."),
    "full_name": N_("Your full name as in your ID document (surname, name, patronymic):"),
    "birth_date": N_("Your date of birth, for example 21.03.1988:"),
    "personal_number": N_("Your personal number (%(kind)s), as in your ID document:"),
    "document_number": N_("Your ID document series and number:"),
    "document_issued_on": N_("When was the ID document issued? For example 15.06.2019:"),
    "document_issuer": N_("Who issued the ID document? Choose or type:"),
    "address": N_("Your home address (city, street, house, flat):"),
    "workplace": N_("Where do you work? Employer and position:"),
    "phone": N_("Share your phone number with the button below: the signing code will come to it."),
    "cover_option": N_("Choose what the insurance covers:"),
    "sum_insured": N_("The sum insured: the loan amount is suggested. Choose it or type another amount:"),
    "cover_start": N_("From which date should the cover start? Choose or type a date:"),
}
LABELS = {
    "loan_amount": N_("Loan amount"),
    "term_months": N_("Loan term"),
    "full_name": N_("Full name"),
    "birth_date": N_("Date of birth"),
    "personal_number": N_("Personal number"),
    "document_number": N_("ID document"),
    "document_issued_on": N_("Issued on"),
    "document_issuer": N_("Issued by"),
    "address": N_("Address"),
    "workplace": N_("Workplace"),
    "phone": N_("Phone"),
    "cover_option": N_("Cover"),
    "sum_insured": N_("Sum insured"),
    "cover_start": N_("Cover starts"),
}
PERSONAL_NUMBER_KIND = {"KZ": N_("IIN, 12 digits"), "KG": N_("PIN, 14 digits")}
ISSUERS = {"KZ": (N_("Ministry of Internal Affairs of Kazakhstan"), N_("Ministry of Justice of Kazakhstan")),
           "KG": (N_("State Registration Service of Kyrgyzstan"),)}
MONTHS = N_("%(months)s mo.")
NOT_WORKING = N_("Not employed")
SAME_AS_LOAN = N_("= loan amount, %(amount)s")
TOMORROW = N_("Tomorrow, %(date)s")
PHONE_BUTTON_ONLY = N_("Please use the “📱 Share my phone” button below: the code must go to your own number.")
STRANGER_CONTACT = N_("This is someone else's contact. Please share your own number with the button.")
PHONE_NOT_MOBILE = N_("This number cannot receive SMS codes. Please share a mobile number of %(country)s.")
COUNTRY_NAMES = {"KZ": N_("Kazakhstan"), "KG": N_("Kyrgyzstan")}
SAVED = N_("✅ Saved.")

FIELD_ERRORS = {
    "too_long": N_("This is too long. Please write it shorter."),
    "too_short": N_("This is too short. Please write it in full."),
    "name_words": N_("Please write at least your surname and name, as in your ID document."),
    "name_letters": N_("A name can contain only letters, hyphens and apostrophes."),
    "date_format": N_("Please write the date as DD.MM.YYYY, for example 21.03.1988."),
    "date_invalid": N_("There is no such date. Please check the day and month."),
    "birth_in_future": N_("The date of birth cannot be in the future."),
    "birth_too_old": N_("Please check the year of birth."),
    "under_18": N_("The buyer must be at least 18 years old."),
    "date_in_future": N_("This date cannot be in the future."),
    "date_too_old": N_("Please check the year."),
    "document_number": N_("Please write the series and number as printed, for example N12345678."),
    "amount_format": N_("Please write the amount in digits, for example 500000."),
    "amount_not_positive": N_("The amount must be more than zero."),
    "amount_too_large": N_("This amount is too large. Please check it."),
    "term_format": N_("Please write the number of months in digits, for example 24."),
    "term_range": N_("The term must be from 1 to 360 months."),
    "start_not_future": N_("The cover can start tomorrow at the earliest."),
    "start_too_far": N_("The cover can start within 90 days at most."),
    "sum_above_loan": N_("The sum insured cannot be more than the loan amount (%(amount)s)."),
    "personal_number": N_("This personal number is not valid. Please check the digits."),
    "personal_number_birth": N_("This personal number does not match your date of birth (%(date)s)."),
}

# Summary, consents, signing, payment
SUMMARY_TITLE = N_("<b>🛡 %(product)s › Check your application</b>")
SUMMARY_LOAN = N_("%(amount)s for %(months)s months")
SUMMARY_PERIOD = N_("Period: %(start)s – %(end)s")
SUMMARY_PREMIUM = N_("Premium: %(premium)s")
SUMMARY_TAX = N_("Sales tax: %(tax)s")
SUMMARY_TOTAL = N_("<b>Total to pay: %(total)s</b>")
CONFIRM = N_("✅ All correct")
EDIT = N_("✏️ Edit")
EDIT_TITLE = N_("<b>🛡 %(product)s › Edit</b>\nWhat would you like to change?")
CONSENTS_TITLE = N_("<b>🛡 %(product)s › Consents</b>")
CONSENTS_TEXT = N_(
    "To sign the application, please accept:\n%(items)s\n\n"
    "Full texts are one tap away. Rules: %(url)s"
)
READ = N_("📄 %(title)s")
ACCEPT_ALL = N_("✅ I accept")
SIGN_TITLE = N_("<b>✍️ %(product)s › Signing</b>")
SIGN_TEXT = N_(
    "Your application is attached. We sent a 6-digit code to %(phone)s. Enter it here to sign "
    "the application (document %(hash)s). The code is valid for 5 minutes."
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
SIGNED = N_("✅ Signed: %(signature)s")
PAY_TITLE = N_("<b>💳 %(product)s › Payment</b>")
PAY_INVOICE = N_("Pay %(total)s with the invoice below. The policy comes here right after the payment.")
PAY_AWAITING = N_(
    "Application No. %(number)s is signed. Awaiting payment of %(total)s: pay it as your bank or the "
    "insurer tells you; the policy comes here as soon as the payment is confirmed."
)
INVOICE_DESCRIPTION = N_("Premium and sales tax, cover %(start)s – %(end)s, application No. %(number)s")
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


def register(router: Router) -> None:
    router.deep_links["buy"] = deep_link
    router.pre_checkout = pre_checkout
    router.payment = successful_payment

    @router.callback("buy")
    async def buy_button(turn: Turn) -> None:
        pressed = parse_callback(turn.incoming.callback_data)
        handler = ACTIONS.get(pressed.action)
        if handler is None or not accepts(handler, turn, *pressed.args):
            await start_buying(turn)
        else:
            await handler(turn, *pressed.args)

    router.command("buy")(start_buying)
    router.screen("buy.product")(choose_product)
    router.screen("buy.resume")(start_buying)
    router.screen("buy.card")(show_card)
    router.screen("buy.question")(ask_question)
    router.screen("buy.refused")(show_refusal)
    router.screen("buy.field", on_text=receive_field_text, on_contact=receive_contact)(ask_field)
    router.screen("buy.summary")(show_summary)
    router.screen("buy.edit")(show_edit_menu)
    router.screen("buy.consents")(show_consents)
    router.screen("buy.consent_text")(show_consents)
    router.screen("buy.sign", on_text=receive_code)(show_signing)
    router.screen("buy.pay")(show_payment)
    router.staff_command("paid")(staff_confirms_payment)


# ---- entry ----------------------------------------------------------------

async def start_buying(turn: Turn) -> None:
    """From the menu: resume an unfinished application, or choose a product."""
    application = await _current(turn)
    if application is not None and application.status == "draft":
        turn.goto("buy.resume")
        product = get_product(application.product_code)
        turn.show(turn._(RESUME, product=product.name.get(turn.t.language)), [
            [(turn._(RESUME_YES), "buy:resume"), (turn._(START_OVER), "buy:new")],
            back_and_person(turn),
        ])
        return
    await choose_product(turn)


async def choose_product(turn: Turn) -> None:
    turn.goto("buy.product")
    rows = [[(turn._(PRODUCT_BUTTON, name=p.name.get(turn.t.language), currency=p.currency), f"buy:p:{p.code}")]
            for p in load_catalogue()]
    turn.show(turn._(CHOOSE_PRODUCT), [*rows, back_and_person(turn)])


async def deep_link(turn: Turn, payload: str) -> None:
    """`/start buy-<product>[-<loan amount>-<term months>]` from a partner bank."""
    parts = payload.split("-")
    try:
        product = get_product(parts[1]) if len(parts) > 1 else None
    except UnknownProduct:
        product = None
    if product is None:
        await choose_product(turn)
        return
    answers: dict[str, Any] = {}
    if len(parts) >= 4:
        try:
            answers["loan_amount"] = str(parse_amount(parts[2]))
            answers["term_months"] = parse_term(parts[3])
        except FieldError:
            answers = {}
    await _new_application(turn, product, answers, source=payload[:64])
    await show_card(turn)


async def pick_product(turn: Turn, code: str = "") -> None:
    try:
        product = get_product(code)
    except UnknownProduct:
        await choose_product(turn)
        return
    await _new_application(turn, product, {}, source=None)
    await show_card(turn)


async def _new_application(turn: Turn, product: Product, answers: dict[str, Any], source: str | None) -> None:
    """A fresh draft, pre-filled with what the bot already knows of the buyer."""
    current = await _current(turn)
    if current is not None and current.status == "draft":
        current.status = "cancelled"
    known = await turn.uow.applications.latest_signed(turn.user.id)
    if known is not None and get_product(known.product_code).country == product.country:
        answers = {**{k: known.answers[k] for k in KNOWN_FIELDS if k in known.answers}, **answers}
    application = turn.uow.applications.start(turn.user.id, product.code, answers, source)
    await turn.uow.flush()
    turn.data.update(application_id=application.id)
    turn.data.pop("editing", None)


async def resume(turn: Turn) -> None:
    application = await _current(turn)
    if application is None:
        await choose_product(turn)
    else:
        await _next_step(turn, application)


async def new(turn: Turn) -> None:
    await choose_product(turn)


# ---- product card and eligibility ----------------------------------------

async def show_card(turn: Turn) -> None:
    application = await _current(turn)
    if application is None:
        await choose_product(turn)
        return
    product = get_product(application.product_code)
    lang = turn.t.language
    turn.goto("buy.card")
    risks = {r for option in product.cover_options for r in option.risks}
    covered = "\n".join(f"• {_e(e.name.get(lang))}" for e in product.event_types if e.code in risks)
    exclusions = "\n".join(f"• {_e(x.text.get(lang))}" for x in product.exclusions[:3])
    text = (f"<b>🛡 {_e(product.name.get(lang))}</b>\n{_e(product.insurer.name.get(lang))}\n\n"
            f"{turn._(CARD_COVERED)}\n{covered}\n\n{turn._(CARD_EXCLUSIONS)}\n{exclusions}\n\n"
            f"{turn._(CARD_RULES, url=product.rules.url)}")
    turn.show(text, [
        [(turn._(CONTINUE), "buy:go")],
        [(turn._(ALL_EXCLUSIONS), "buy:x")],
        back_and_person(turn, back="buy:list"),
    ])


async def show_exclusions(turn: Turn) -> None:
    application = await _current(turn)
    if application is None:
        await choose_product(turn)
        return
    product = get_product(application.product_code)
    lang = turn.t.language
    lines = [f"• {_e(x.text.get(lang))} ({_e(x.clause)})" for x in product.exclusions]
    turn.show(f"<b>🛡 {_e(product.name.get(lang))}</b>\n{turn._(CARD_EXCLUSIONS)}\n\n" + "\n".join(lines), [
        [(turn._(CONTINUE), "buy:go")],
        back_and_person(turn, back="buy:card"),
    ])


def _questions(product: Product) -> list[tuple[str, str | None]]:
    """(code, clause) of every yes/no question, "No" always the eligible answer;
    whether the insured is someone else comes first (Nomad Life rules 4.2)."""
    questions: list[tuple[str, str | None]] = []
    if product.eligibility.online_sale_requires_insured_is_policyholder:
        questions.append(("insured_is_someone_else", product.eligibility.policyholder_clause))
    questions += [(d.code, d.clause) for d in product.eligibility.declarations]
    return questions


async def go(turn: Turn) -> None:
    application = await _current(turn)
    if application is None:
        await choose_product(turn)
        return
    await _next_step(turn, application)


async def ask_question(turn: Turn) -> None:
    application = await _current(turn)
    if application is None:
        await choose_product(turn)
        return
    product = get_product(application.product_code)
    questions = _questions(product)
    answered = application.answers.get("declarations", {})
    index = next((i for i, (code, _) in enumerate(questions) if code not in answered), None)
    if index is None:
        await _next_step(turn, application)
        return
    code = questions[index][0]
    text = turn._(SOMEONE_ELSE) if code == "insured_is_someone_else" else _e(
        product.declaration(code).question.get(turn.t.language))
    turn.goto("buy.question")
    title = turn._(QUESTION, product=product.name.get(turn.t.language), number=index + 1, total=len(questions))
    turn.show(f"{title}\n\n{text}", [
        [(turn._(NO), f"buy:a:{index}:no"), (turn._(YES), f"buy:a:{index}:yes")],
        back_and_person(turn, back="buy:card"),
    ])


async def answer_question(turn: Turn, index: str = "", answer: str = "") -> None:
    application = await _current(turn)
    if application is None or application.status != "draft":
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    questions = _questions(product)
    answered = dict(application.answers.get("declarations", {}))
    expected = next((i for i, (code, _) in enumerate(questions) if code not in answered), None)
    if answer not in ("yes", "no") or parse_int(index) != expected:
        await ask_question(turn)  # a stale or forged button: show the current question
        return
    code = questions[int(index)][0]
    answered[code] = answer == "yes"
    _set(application, declarations=answered)
    refusal = (eligibility.check_policyholder(product, not answered[code]) if code == "insured_is_someone_else"
               else next(iter(r for r in eligibility.check_declarations(
                   product, {d.code: answered.get(d.code, False) for d in product.eligibility.declarations})
                   if r.subject == code), None))
    if refusal is not None:
        await _refuse(turn, application, refusal)
        return
    await ask_question(turn)


async def _refuse(turn: Turn, application: PolicyApplication, refusal: eligibility.Refusal) -> None:
    """Recorded with its clause; the buyer is offered a person, never a dead end."""
    application.status = "handed_over" if refusal.handover_to_staff else "refused"
    application.refusal = {"rule": refusal.rule, "clause": refusal.clause, "subject": refusal.subject}
    await show_refusal(turn)


async def show_refusal(turn: Turn) -> None:
    application = await _current(turn)
    if application is None or application.refusal is None:
        await turn.router.home(turn)
        return
    product = get_product(application.product_code)
    lang = turn.t.language
    refusal = application.refusal
    if refusal["rule"] == "age_limit":
        assert product.eligibility.age_limit is not None
        reason = turn._(REFUSED_AGE, age=product.eligibility.age_limit.age, clause=refusal["clause"])
    elif refusal["rule"] == "insured_not_policyholder":
        reason = turn._(REFUSED_HANDOVER, clause=refusal["clause"])
    else:
        question = product.declaration(refusal["subject"]).question.get(lang)
        reason = turn._(REFUSED_DECLARATION, question=question, clause=refusal["clause"])
    turn.goto("buy.refused")
    turn.show(f"{turn._(REFUSED_TITLE, product=product.name.get(lang))}\n\n{reason}\n\n{turn._(REFUSED_FOOTER)}",
              [[(turn._(PERSON), "support")], [(turn._(MAIN_MENU), "menu")]])


# ---- application fields ----------------------------------------------------

def fields_for(product: Product) -> list[str]:
    fields = ["loan_amount", "term_months", "full_name", "birth_date", "personal_number", "document_number",
              "document_issued_on", "document_issuer", "address"]
    if product.asks_workplace:
        fields.append("workplace")
    fields.append("phone")
    if len(product.cover_options) > 1:
        fields.append("cover_option")
    return [*fields, "sum_insured", "cover_start"]


async def _next_step(turn: Turn, application: PolicyApplication) -> None:
    """Ask what is still missing; with everything given, show the summary."""
    product = get_product(application.product_code)
    if any(code not in application.answers.get("declarations", {}) for code, _ in _questions(product)):
        await ask_question(turn)
        return
    answers = application.answers
    if "phone" not in answers and turn.user.phone:
        _set(application, phone=turn.user.phone)
    if "cover_option" not in answers and len(product.cover_options) == 1:
        _set(application, cover_option=product.cover_options[0].code)
    missing = next((f for f in fields_for(product) if f not in application.answers), None)
    if missing is None:
        await show_summary(turn)
        return
    turn.data["field"] = missing
    await ask_field(turn)


async def ask_field(turn: Turn) -> None:
    application = await _current(turn)
    field = turn.data.get("field")
    if application is None or application.status != "draft" or field not in PROMPTS:
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    lang, t = turn.t.language, turn.t
    turn.goto("buy.field")
    fields = fields_for(product)
    header = turn._(STEP, product=product.name.get(lang), number=fields.index(field) + 1, total=len(fields))
    values: dict[str, object] = {"currency": product.currency}
    if field == "personal_number":
        values["kind"] = t.gettext(PERSONAL_NUMBER_KIND[product.country])
    prompt = f"{header}\n\n{turn._(PROMPTS[field], **values)}"
    back = "buy:summary" if turn.data.get("editing") else "buy:card"
    rows: list[list[Button]] = []
    if field == "phone":
        turn.ask_contact(prompt, t.gettext(SHARE_PHONE), [t.gettext(BACK), t.gettext(PERSON)])
        return
    if field == "term_months":
        rows.append([(t.gettext(MONTHS, months=m), f"buy:v:term_months:{m}") for m in TERM_CHOICES])
    elif field == "document_issuer":
        rows += [[(t.gettext(issuer), f"buy:v:document_issuer:{i}")] for i, issuer in enumerate(ISSUERS[product.country])]
    elif field == "workplace":
        rows.append([(t.gettext(NOT_WORKING), "buy:v:workplace:none")])
    elif field == "cover_option":
        rows += [[(o.name.get(lang), f"buy:v:cover_option:{o.code}")] for o in product.cover_options]
    elif field == "sum_insured" and "loan_amount" in application.answers:
        loan = Decimal(application.answers["loan_amount"])
        rows.append([(t.gettext(SAME_AS_LOAN, amount=t.money(loan, product.currency)), "buy:v:sum_insured:loan")])
    elif field == "cover_start":
        tomorrow = default_cover_start(product, utcnow())
        rows.append([(t.gettext(TOMORROW, date=t.date(tomorrow)), f"buy:v:cover_start:{tomorrow.isoformat()}")])
    turn.show(prompt, [*rows, back_and_person(turn, back=back)])


async def receive_field_text(turn: Turn) -> None:
    field = turn.data.get("field", "")
    if field == "phone":
        # The reply keyboard's own buttons arrive as their labels.
        if turn.incoming.text == turn.t.gettext(BACK):
            await (show_summary(turn) if turn.data.get("editing") else show_card(turn))
        elif turn.incoming.text == turn.t.gettext(PERSON):
            await turn.router.screens["support.question"].render(turn)
        else:
            turn.say(turn._(PHONE_BUTTON_ONLY))
            await ask_field(turn)
        return
    await _accept_value(turn, field, turn.incoming.text)


async def choose_value(turn: Turn, field: str = "", *value: str) -> None:
    """A value from a button: validated like typed text (the data may be forged)."""
    application = await _current(turn)
    if application is None or field != turn.data.get("field"):
        await resume(turn)
        return
    product = get_product(application.product_code)
    raw = ":".join(value)
    if field == "document_issuer":
        issuers = ISSUERS[product.country]
        raw = turn.t.gettext(issuers[int(raw)]) if parse_int(raw, maximum=len(issuers) - 1) is not None else ""
    elif field == "workplace" and raw == "none":
        raw = turn.t.gettext(NOT_WORKING)
    elif field == "sum_insured" and raw == "loan":
        raw = application.answers.get("loan_amount", "")
    elif field == "cover_start" and raw:
        raw = ".".join(reversed(raw.split("-")))
    await _accept_value(turn, field, raw)


async def _accept_value(turn: Turn, field: str, raw: str) -> None:
    application = await _current(turn)
    if application is None or application.status != "draft":
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    try:
        value = _parse(field, raw, product, application.answers, turn)
    except FieldError as error:
        message = FIELD_ERRORS.get(error.reason, FIELD_ERRORS["too_short"])
        values: dict[str, object] = {}
        if error.reason == "sum_above_loan":
            values["amount"] = turn.t.money(Decimal(application.answers["loan_amount"]), product.currency)
        if error.reason == "personal_number_birth":
            values["date"] = turn.t.date(date.fromisoformat(application.answers["birth_date"]))
        turn.say(turn._(message, **values))
        await ask_field(turn)
        return
    _set(application, **{field: value})
    if field in ("loan_amount",) and "sum_insured" in application.answers:
        answers = dict(application.answers)
        answers.pop("sum_insured")
        application.answers = answers
    if field == "birth_date" and "personal_number" in application.answers:
        answers = dict(application.answers)
        answers.pop("personal_number")  # re-checked against the new date
        application.answers = answers
    refusal = _age_refusal(product, application.answers)
    if refusal is not None:
        await _refuse(turn, application, refusal)
        return
    if turn.data.get("editing") and all(f in application.answers for f in fields_for(product)):
        await show_summary(turn)
        return
    await _next_step(turn, application)


def _parse(field: str, raw: str, product: Product, answers: dict[str, Any], turn: Turn) -> Any:
    today = local_today(product, utcnow())
    if field == "loan_amount":
        return str(parse_amount(raw))
    if field == "term_months":
        return parse_term(raw)
    if field == "full_name":
        return parse_full_name(raw)
    if field == "birth_date":
        return parse_birth_date(raw, today).isoformat()
    if field == "personal_number":
        born = date.fromisoformat(answers["birth_date"]) if "birth_date" in answers else None
        check = identity.check_personal_number(product.country, raw, born)
        if not check.valid:
            raise FieldError("personal_number_birth" if "birth" in (check.reason or "") else "personal_number")
        return check.number
    if field == "document_number":
        return parse_document_number(raw)
    if field == "document_issued_on":
        return parse_past_date(raw, today).isoformat()
    if field in ("document_issuer", "address", "workplace"):
        return parse_text(raw, minimum=2 if field == "document_issuer" else 3)
    if field == "cover_option":
        if raw not in {o.code for o in product.cover_options}:
            raise FieldError("too_short")
        return raw
    if field == "sum_insured":
        amount = parse_amount(raw)
        if "loan_amount" in answers and amount > Decimal(answers["loan_amount"]):
            raise FieldError("sum_above_loan")
        return str(amount)
    if field == "cover_start":
        return parse_start_date(raw, product, utcnow()).isoformat()
    raise FieldError("too_short")


def _age_refusal(product: Product, answers: dict[str, Any]) -> eligibility.Refusal | None:
    """Nomad Life rules 2(4), 4.6, checked as soon as birth date and term are known."""
    if "birth_date" not in answers or "term_months" not in answers:
        return None
    start = (date.fromisoformat(answers["cover_start"]) if "cover_start" in answers
             else default_cover_start(product, utcnow()))
    born = date.fromisoformat(answers["birth_date"])
    return eligibility.check_age(product, born, start, cover_end(product, start, int(answers["term_months"])))


async def receive_contact(turn: Turn) -> None:
    """Only the user's own contact: the signing code must reach their own phone."""
    application = await _current(turn)
    if application is None or turn.data.get("field") != "phone":
        await resume(turn)
        return
    product = get_product(application.product_code)
    if turn.incoming.contact_user_id != turn.user.id:
        turn.say(turn._(STRANGER_CONTACT))
        await ask_field(turn)
        return
    check = identity.normalize_phone(turn.incoming.contact_phone or "", product.country, mobile_only=True)
    if not check.valid or not check.e164:
        turn.say(turn._(PHONE_NOT_MOBILE, country=turn._(COUNTRY_NAMES[product.country])))
        await ask_field(turn)
        return
    turn.user.phone = check.e164
    _set(application, phone=check.e164)
    turn.say(turn._(SAVED), remove_keyboard=True)
    if turn.data.get("editing") and all(f in application.answers for f in fields_for(product)):
        await show_summary(turn)
    else:
        await _next_step(turn, application)


# ---- summary and edits -----------------------------------------------------

def _quote_of(product: Product, answers: dict[str, Any]):
    return quote(product, Decimal(answers["loan_amount"]), int(answers["term_months"]),
                 Decimal(answers["sum_insured"]))


async def show_summary(turn: Turn) -> None:
    application = await _current(turn)
    if application is None or application.status != "draft":
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    if any(f not in application.answers for f in fields_for(product)):
        await _next_step(turn, application)
        return
    turn.data.pop("editing", None)
    refusal = _age_refusal(product, application.answers)
    if refusal is not None:
        await _refuse(turn, application, refusal)
        return
    try:
        priced = _quote_of(product, application.answers)
    except QuoteError:
        turn.data["field"] = "loan_amount"
        await ask_field(turn)
        return
    now = utcnow()
    start = date.fromisoformat(application.answers["cover_start"])
    expires = min(now + QUOTE_TTL, _local_midnight(product, start))
    application.quote = {
        "premium": str(priced.premium), "tax": str(priced.tax), "total": str(priced.total),
        "currency": priced.currency, "rate": str(priced.rate), "quoted_at": now.isoformat(),
        "expires_at": expires.isoformat(),
    }
    turn.goto("buy.summary")
    turn.show(_summary_text(turn.t, product, application), [
        [(turn._(CONFIRM), "buy:ok")],
        [(turn._(EDIT), "buy:edit")],
        back_and_person(turn, back="buy:card"),
    ])


def _summary_text(t: Translator, product: Product, application: PolicyApplication) -> str:
    a, q, lang = application.answers, application.quote or {}, t.language
    start = date.fromisoformat(a["cover_start"])
    end = cover_end(product, start, int(a["term_months"]))
    option = product.cover_option(a["cover_option"]).name.get(lang)
    money = lambda v: t.money(Decimal(v), product.currency)  # noqa: E731
    rows = [
        (LABELS["full_name"], a["full_name"]),
        (LABELS["birth_date"], t.date(date.fromisoformat(a["birth_date"]))),
        (LABELS["personal_number"], a["personal_number"]),
        (LABELS["document_number"], a["document_number"]),
        (LABELS["document_issued_on"], t.date(date.fromisoformat(a["document_issued_on"]))),
        (LABELS["document_issuer"], a["document_issuer"]),
        (LABELS["address"], a["address"]),
        *([(LABELS["workplace"], a["workplace"])] if "workplace" in a else []),
        (LABELS["phone"], a["phone"]),
        (LABELS["loan_amount"], t.gettext(SUMMARY_LOAN, amount=money(a["loan_amount"]), months=a["term_months"])),
        (LABELS["cover_option"], option),
        (LABELS["sum_insured"], money(a["sum_insured"])),
    ]
    lines = [t.gettext(SUMMARY_TITLE, product=_e(product.name.get(lang))), ""]
    lines += [f"{t.gettext(label)}: {_e(str(value))}" for label, value in rows]
    lines += ["", t.gettext(SUMMARY_PERIOD, start=t.date(start), end=t.date(end)),
              t.gettext(SUMMARY_PREMIUM, premium=money(q["premium"])), t.gettext(SUMMARY_TAX, tax=money(q["tax"])),
              t.gettext(SUMMARY_TOTAL, total=money(q["total"]))]
    return "\n".join(lines)


async def show_edit_menu(turn: Turn) -> None:
    application = await _current(turn)
    if application is None or application.status != "draft":
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    editable = [f for f in fields_for(product) if not (f == "cover_option" and len(product.cover_options) == 1)]
    rows = [[(turn._(LABELS[f]), f"buy:e:{f}") for f in editable[i:i + 2]] for i in range(0, len(editable), 2)]
    turn.goto("buy.edit")
    turn.show(turn._(EDIT_TITLE, product=product.name.get(turn.t.language)),
              [*rows, back_and_person(turn, back="buy:summary")])


async def edit_field(turn: Turn, field: str = "") -> None:
    application = await _current(turn)
    if application is None or application.status != "draft" or field not in fields_for(
            get_product(application.product_code)):
        await start_buying(turn)
        return
    turn.data.update(field=field, editing=True)
    await ask_field(turn)


# ---- consents and signing --------------------------------------------------

async def show_consents(turn: Turn, reading: str = "") -> None:
    application = await _current(turn)
    if application is None or application.status != "draft" or application.quote is None:
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    lang = turn.t.language
    texts = [consent_text(kind, lang) for kind in product.application_consents]
    if parse_int(reading, maximum=len(texts) - 1) is not None:
        text = texts[int(reading)]
        turn.goto("buy.consent_text")
        turn.show(f"<b>{_e(text.title)}</b>\n\n{_e(text.body)}", [
            [(turn._(ACCEPT_ALL), "buy:accept")], back_and_person(turn, back="buy:ok")])
        return
    turn.goto("buy.consents")
    items = "\n".join(f"{i}. {_e(text.title)}" for i, text in enumerate(texts, 1))
    rows = [[(turn._(READ, title=text.title), f"buy:read:{i}")] for i, text in enumerate(texts)]
    turn.show(f"{turn._(CONSENTS_TITLE, product=product.name.get(lang))}\n\n"
              f"{turn._(CONSENTS_TEXT, items='@@ITEMS@@', url=product.rules.url).replace('@@ITEMS@@', items)}",
              [[(turn._(ACCEPT_ALL), "buy:accept")], *rows, back_and_person(turn, back="buy:summary")])


async def read_consent(turn: Turn, index: str = "") -> None:
    await show_consents(turn, reading=index)


async def accept_consents(turn: Turn) -> None:
    """Each text is recorded with its version and hash; then the application is
    rendered, hashed, and a one-time code is sent to sign it."""
    application = await _current(turn)
    if application is None or application.status != "draft" or application.quote is None:
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    for kind in product.application_consents:
        text = consent_text(kind, turn.t.language)
        turn.uow.consents.give(user_id=turn.user.id, kind=kind, scope=product.code, language=text.language,
                               text_version=text.version, text_sha256=text.sha256)
    form = _form(product, application, turn.t.language)
    document = await asyncio.to_thread(render_application, form)  # ~0.2 s of CPU: off the event loop
    application.document_sha256 = turn.documents.put(document)
    application.status = "signing"
    turn.send_stored_document(application.document_sha256, f"application-{application.id}.pdf",
                              caption=turn._(APPLICATION_CAPTION, number=application.id))
    await _send_code(turn, application)
    await show_signing(turn)


async def _send_code(turn: Turn, application: PolicyApplication) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    assert application.document_sha256 is not None
    turn.uow.signing_codes.add(
        application_id=application.id, code_sha256=_code_hash(application, code),
        document_sha256=application.document_sha256, sent_to=application.answers["phone"],
        expires_at=utcnow() + CODE_TTL,
    )
    turn.send_sms(application.answers["phone"], turn._(SMS_TEXT, code=code, number=application.id))


def _code_hash(application: PolicyApplication, code: str) -> str:
    return keyed_digest(f"{application.id}:{application.document_sha256}:{code}")  # HMAC: issue 8


async def show_signing(turn: Turn) -> None:
    application = await _current(turn)
    if application is None or application.status != "signing":
        await start_buying(turn) if application is None else await show_payment(turn)
        return
    product = get_product(application.product_code)
    turn.goto("buy.sign")
    digest = application.document_sha256 or ""
    turn.say(f"{turn._(SIGN_TITLE, product=product.name.get(turn.t.language))}\n\n"
             f"{turn._(SIGN_TEXT, phone=_masked(application.answers['phone']), hash=digest[:8] + '…' + digest[-4:])}",
             [[(turn._(RESEND), "buy:resend")], back_and_person(turn, back="buy:summary")])


async def resend_code(turn: Turn) -> None:
    application = await _current(turn)
    if application is None or application.status != "signing":
        await start_buying(turn)
        return
    codes = await turn.uow.signing_codes.for_application(application.id)
    if len(codes) >= CODES_PER_APPLICATION:
        turn.say(turn._(CODE_LIMIT), [menu_and_person(turn)])
        return
    wait = (codes[-1].created_at + CODE_RESEND_AFTER - utcnow()).total_seconds() if codes else 0
    if wait > 0:
        turn.notice(turn._(CODE_WAIT, seconds=int(wait) + 1))
        return
    await _send_code(turn, application)
    turn.notice(turn._(CODE_SENT))


async def receive_code(turn: Turn) -> None:
    application = await _current(turn)
    if application is None or application.status != "signing":
        await start_buying(turn)
        return
    entered = "".join(turn.incoming.text.split())
    if not (len(entered) == 6 and ascii_digits(entered)):
        turn.say(turn._(CODE_FORMAT))
        return
    codes = await turn.uow.signing_codes.for_application(application.id)
    code = codes[-1] if codes else None
    now = utcnow()
    if code is None or code.used_at is not None or code.attempts >= CODE_TRIES:
        turn.say(turn._(CODE_BURNED), [[(turn._(RESEND), "buy:resend")], menu_and_person(turn)])
        return
    if code.expires_at <= now:
        turn.say(turn._(CODE_EXPIRED), [[(turn._(RESEND), "buy:resend")], menu_and_person(turn)])
        return
    if not secrets.compare_digest(code.code_sha256, _code_hash(application, entered)) \
            or code.document_sha256 != application.document_sha256:
        code.attempts += 1
        left = CODE_TRIES - code.attempts
        turn.say(turn._(CODE_WRONG, left=left) if left else turn._(CODE_BURNED),
                 [[(turn._(RESEND), "buy:resend")]] if not left else None)
        return
    code.used_at = now
    application.signed_at = now
    application.signature = signature_line(application.document_sha256 or "", entered,
                                           application.answers["full_name"], now)
    application.status = "awaiting_payment"
    turn.say(turn._(SIGNED, signature=application.signature))
    await show_payment(turn, announce=True)


# ---- payment and the policy ------------------------------------------------

async def show_payment(turn: Turn, announce: bool = False) -> None:
    application = await _current(turn)
    if application is None:
        await start_buying(turn)
        return
    policy = await turn.uow.policies.for_application(application.id)
    if policy is not None or application.status != "awaiting_payment":
        await turn.router.home(turn)
        return
    product = get_product(application.product_code)
    turn.goto("buy.pay")
    q = application.quote or {}
    total = turn.t.money(Decimal(q["total"]), product.currency)
    title = turn._(PAY_TITLE, product=product.name.get(turn.t.language))
    if turn.settings.payment_provider_token:
        turn.say(f"{title}\n\n{turn._(PAY_INVOICE, total=total)}", [menu_and_person(turn)])
        if announce:
            start = date.fromisoformat(application.answers["cover_start"])
            end = cover_end(product, start, int(application.answers["term_months"]))
            turn.send_invoice(
                title=product.name.get(turn.t.language)[:32],
                description=turn.t.gettext(INVOICE_DESCRIPTION, start=turn.t.date(start), end=turn.t.date(end),
                                           number=application.id)[:255],
                payload=f"application:{application.id}", currency=product.currency,
                prices=[(turn.t.gettext(PREMIUM_LABEL), to_minor_units(Decimal(q["premium"]))),
                        (turn.t.gettext(TAX_LABEL), to_minor_units(Decimal(q["tax"])))],
            )
        return
    turn.say(f"{title}\n\n{turn._(PAY_AWAITING, number=application.id, total=total)}", [menu_and_person(turn)])
    if announce and turn.settings.staff_chat_id is not None:
        staff = translator(turn.settings.staff_language)
        turn.say(translate(staff, STAFF_AWAITING, number=application.id,
                           product=product.name.get(turn.settings.staff_language),
                           name=application.answers["full_name"], total=staff.money(Decimal(q["total"]), product.currency)),
                 chat_id=turn.settings.staff_chat_id)


async def _payable(turn: Turn) -> tuple[PolicyApplication | None, str | None]:
    """The application an invoice pays for, or the reason it cannot be paid now."""
    info = turn.incoming.payment
    assert info is not None
    kind, _, number = info.invoice_payload.partition(":")
    application = (await turn.uow.applications.get_for_user(turn.user.id, int(number))
                   if kind == "application" and ascii_digits(number) else None)
    if application is None or application.status != "awaiting_payment" or application.quote is None:
        return application, CHECKOUT_CHANGED
    product = get_product(application.product_code)
    if info.currency != product.currency or info.total_amount != to_minor_units(Decimal(application.quote["total"])):
        return application, CHECKOUT_CHANGED
    return application, None


async def pre_checkout(turn: Turn) -> None:
    """Telegram asks before charging: the quote must be unchanged and unexpired."""
    application, problem = await _payable(turn)
    if problem is None and application is not None and application.quote is not None:
        if datetime.fromisoformat(application.quote["expires_at"]) <= utcnow():
            problem = CHECKOUT_EXPIRED
            application.status = "draft"
    if problem is not None:
        turn.pre_checkout_error = turn._(problem)


async def successful_payment(turn: Turn) -> None:
    """One policy per payment, whatever Telegram redelivers."""
    info = turn.incoming.payment
    assert info is not None
    if info.telegram_charge_id and await turn.uow.payments.by_charge(info.telegram_charge_id):
        return
    kind, _, number = info.invoice_payload.partition(":")
    application = (await turn.uow.applications.get_for_user(turn.user.id, int(number))
                   if kind == "application" and ascii_digits(number) else None)
    if application is None or await turn.uow.payments.for_application(application.id) is not None:
        # Money arrived for something already paid or unknown: a person must look.
        turn.say(turn._(CHECKOUT_CHANGED), [menu_and_person(turn)])
        return
    turn.uow.payments.record(application_id=application.id, method="telegram", amount_minor=info.total_amount,
                             currency=info.currency, telegram_charge_id=info.telegram_charge_id,
                             provider_charge_id=info.provider_charge_id)
    await issue_policy(turn, application, client_language=turn.t.language)
    turn.goto("menu")


async def staff_confirms_payment(turn: Turn) -> None:
    """`/paid N` in the staff chat: the premium for application N was received."""
    staff = translator(turn.settings.staff_language)
    number = turn.incoming.args.strip().lstrip("№#")
    application = await turn.uow.applications.get(int(number)) if ascii_digits(number) else None
    if not ascii_digits(number):
        turn.say(staff.gettext(STAFF_PAID_USAGE), chat_id=turn.incoming.chat_id)
        return
    if application is None or application.status != "awaiting_payment" or application.quote is None \
            or await turn.uow.payments.for_application(application.id) is not None:
        turn.say(staff.gettext(STAFF_PAID_UNKNOWN, number=number), chat_id=turn.incoming.chat_id)
        return
    client = await turn.uow.users.get(application.user_id)
    language = (client.language if client else None) or "ru"
    turn.uow.payments.record(application_id=application.id, method="staff", confirmed_by=turn.user.id,
                             amount_minor=to_minor_units(Decimal(application.quote["total"])),
                             currency=application.quote["currency"])
    policy_number = await issue_policy(turn, application, client_language=language)
    turn.say(staff.gettext(STAFF_PAID_DONE, policy=policy_number, number=application.id),
             chat_id=turn.incoming.chat_id)


async def issue_policy(turn: Turn, application: PolicyApplication, client_language: str) -> str:
    product = get_product(application.product_code)
    t = translator(client_language)
    now = utcnow()
    number = f"{product.policy_prefix}-{now.year}-{application.id:06d}"
    form = _form(product, application, client_language)
    certificate = await asyncio.to_thread(render_certificate, IssuedPolicy(
        number=number, issued_at=now, form=form, application_sha256=application.document_sha256 or ""))
    certificate_sha256 = turn.documents.put(certificate)
    q = application.quote or {}
    turn.uow.policies.issue(
        number=number, user_id=application.user_id, application_id=application.id, product_code=product.code,
        holder_name=form.full_name, cover_option=form.cover_option.code, currency=product.currency,
        sum_insured_minor=to_minor_units(form.sum_insured), premium_minor=to_minor_units(Decimal(q["premium"])),
        tax_minor=to_minor_units(Decimal(q["tax"])), total_minor=to_minor_units(Decimal(q["total"])),
        cover_start=form.cover_start, cover_end=form.cover_end, issued_at=now, certificate_sha256=certificate_sha256,
    )
    application.status = "paid"
    money = lambda v: t.money(v, product.currency)  # noqa: E731
    turn.say(translate(t, ISSUED, number=number, product=product.name.get(client_language),
                       start=t.date(form.cover_start), end=t.date(form.cover_end),
                       sum=money(form.sum_insured), total=money(Decimal(q["total"]))),
             [[(t.gettext(MY_POLICIES), "policies"), (t.gettext(MAIN_MENU), "menu")]],
             chat_id=application.user_id)
    turn.send_stored_document(certificate_sha256, f"{number}.pdf", caption=t.gettext(CERTIFICATE_CAPTION, number=number),
                              chat_id=application.user_id)
    return number


# ---- helpers ---------------------------------------------------------------

def _form(product: Product, application: PolicyApplication, language: str) -> ApplicationForm:
    a, q = application.answers, application.quote or {}
    start = date.fromisoformat(a["cover_start"])
    return ApplicationForm(
        product=product, full_name=a["full_name"], birth_date=date.fromisoformat(a["birth_date"]),
        personal_number=a["personal_number"],
        identity_document=IdentityDocument(a["document_number"], date.fromisoformat(a["document_issued_on"]),
                                           a["document_issuer"]),
        address=a["address"], phone=a["phone"], workplace=a.get("workplace"),
        loan_amount=Decimal(a["loan_amount"]), term_months=int(a["term_months"]),
        cover_option=product.cover_option(a["cover_option"]), sum_insured=Decimal(a["sum_insured"]),
        cover_start=start, cover_end=cover_end(product, start, int(a["term_months"])),
        premium=Decimal(q["premium"]), tax=Decimal(q["tax"]), total=Decimal(q["total"]),
        currency=product.currency, language=language, signed_at=application.signed_at,
        signature=application.signature,
    )


async def _current(turn: Turn) -> PolicyApplication | None:
    application_id = turn.data.get("application_id")
    if not isinstance(application_id, int):
        return None
    return await turn.uow.applications.get_for_user(turn.user.id, application_id)


def _set(application: PolicyApplication, **values: Any) -> None:
    """JSON columns change only when reassigned."""
    application.answers = {**application.answers, **values}


def _local_midnight(product: Product, day: date) -> datetime:
    zone = timezone(timedelta(hours=product.utc_offset_hours))
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _masked(phone: str) -> str:
    return phone[:-7] + " *** ** " + phone[-2:] if len(phone) > 8 else phone


def _e(text: str) -> str:
    return escape(text, quote=False)


ACTIONS = {
    "list": lambda turn: choose_product(turn),
    "p": pick_product,
    "resume": lambda turn: resume(turn),
    "new": lambda turn: new(turn),
    "card": lambda turn: show_card(turn),
    "x": lambda turn: show_exclusions(turn),
    "go": lambda turn: go(turn),
    "a": answer_question,
    "v": choose_value,
    "summary": lambda turn: show_summary(turn),
    "edit": lambda turn: show_edit_menu(turn),
    "e": edit_field,
    "ok": lambda turn: show_consents(turn),
    "read": read_consent,
    "accept": lambda turn: accept_consents(turn),
    "resend": lambda turn: resend_code(turn),
}
