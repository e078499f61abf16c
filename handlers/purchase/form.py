"""The application form: only what the bot cannot know, one question a
message, related fields in one message. The identity number comes first and
gives the date of birth (and sex), confirmed with the name in one tap; the ID
document is one line (SAKBOL application form section 1)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot.conversation import Button, Turn
from bot.keyboards import BACK, PERSON, SHARE_PHONE, back_and_person
from insurance import eligibility, identity
from insurance.application import (
    FieldError,
    age_on,
    cover_end,
    default_cover_start,
    local_today,
    parse_amount,
    parse_full_name,
    parse_identity_document,
    parse_start_date,
    parse_term,
    parse_text,
    profile_full_name,
)
from insurance.product import Product
from storage.models import PolicyApplication, utcnow

from handlers.purchase import card as card_stage
from handlers.purchase import declaration as declaration_stage
from handlers.purchase import summary as summary_stage
from handlers.purchase import texts as T
from handlers.purchase.common import (
    cover_start_of,
    current,
    drop_answers,
    name_of,
    product_of,
    set_answers,
)

TERM_CHOICES = (6, 12, 24, 36, 60)


def fields_for(product: Product, answers: dict[str, Any]) -> list[str]:
    """The steps of the form, in order; what a partner link or an earlier
    policy gave is skipped by `next_step`, not removed from the count."""
    fields = ["cover_option"] if len(product.cover_options) > 1 else []
    fields += ["loan_amount", "term_months", "declarations", "personal_number", "full_name", "identity_document",
               "address"]
    if product.asks_workplace:
        fields.append("workplace")
    if product.beneficiary.kind == "stated" and not answers.get("bank"):
        fields.append("beneficiary")  # Nomad Life rules 2(5), 7.3: as the contract names it
    if product.cover_start.rule == "chosen_date":
        fields.append("cover_start")  # Nomad Life rules 5.1; SAKBOL starts with payment (offer 2.10, 6.2)
    return fields


def is_given(product: Product, answers: dict[str, Any], field: str) -> bool:
    if field == "declarations":
        given = answers.get("declarations", {})
        return all(code in given for code, _ in eligibility.statement_items(product))
    if field == "identity_document":
        return "document_number" in answers
    return field in answers


def missing_field(product: Product, answers: dict[str, Any]) -> str | None:
    return next((f for f in fields_for(product, answers) if not is_given(product, answers, f)), None)


async def next_step(turn: Turn, application: PolicyApplication) -> None:
    """Ask what is still missing; with everything given, show the summary."""
    product = product_of(application)
    if "sum_insured" not in application.answers and "loan_amount" in application.answers:
        set_answers(application, sum_insured=application.answers["loan_amount"])
    missing = missing_field(product, application.answers)
    if missing is None:
        await summary_stage.show_summary(turn)
        return
    turn.data["field"] = missing
    await ask_field(turn)


async def after_edit(turn: Turn, application: PolicyApplication) -> None:
    """Back to the summary once an edit leaves nothing missing."""
    if missing_field(product_of(application), application.answers) is None:
        await summary_stage.show_summary(turn)
    else:
        await next_step(turn, application)


async def ask_field(turn: Turn) -> None:
    application = await current(turn)
    field = turn.data.get("field")
    if application is None or application.status != "draft" or field not in T.PROMPTS and field != "declarations":
        await card_stage.start_buying(turn)
        return
    if field == "declarations":
        await declaration_stage.show_declaration(turn)
        return
    product = product_of(application)
    t, a = turn.t, application.answers
    turn.goto("buy.field")
    fields = fields_for(product, a)
    number = fields.index(field) + 1 if field in fields else len(fields)
    header = turn._(T.STEP, product=name_of(product, turn), number=number, total=len(fields))
    values: dict[str, object] = {"currency": product.currency}
    if field == "personal_number":
        values["kind"] = t.gettext(T.PERSONAL_NUMBER_KIND[product.country])
    elif field == "full_name":
        values["date"] = t.date(date.fromisoformat(a["birth_date"])) if "birth_date" in a else "—"
    elif field == "identity_document":
        values["example"] = T.DOCUMENT_EXAMPLE.get(product.country, T.DOCUMENT_EXAMPLE["KZ"])
    prompt = f"{header}\n\n{turn._(T.PROMPTS[field], **values)}"
    if field == "beneficiary" and product.beneficiary.note is not None:
        prompt += "\n\n" + product.beneficiary.note.get(t.language)
    back = "buy:summary" if turn.data.get("editing") else "buy:card"
    if field == "phone":
        turn.ask_contact(prompt, t.gettext(SHARE_PHONE), [t.gettext(BACK), t.gettext(PERSON)])
        return
    rows: list[list[Button]] = []
    if field == "term_months":
        rows.append([(t.gettext(T.MONTHS, months=m), f"buy:v:term_months:{m}") for m in TERM_CHOICES])
    elif field == "cover_option":
        rows += [[(o.name.get(t.language), f"buy:o:{o.code}")] for o in product.cover_options]
    elif field == "full_name":
        suggestion = a.get("known_name") or profile_full_name(turn.user.first_name, turn.user.last_name)
        if suggestion:
            turn.data["suggested_name"] = suggestion
            rows.append([(t.gettext(T.THAT_IS_ME, name=suggestion), "buy:v:full_name:suggested")])
        rows.append([(t.gettext(T.ANOTHER_NUMBER), "buy:e:personal_number")])
    elif field == "workplace":
        rows.append([(t.gettext(T.NOT_WORKING), "buy:v:workplace:none")])
    elif field == "sum_insured" and "loan_amount" in a:
        loan = Decimal(a["loan_amount"])
        rows.append([(t.gettext(T.SAME_AS_LOAN, amount=t.money(loan, product.currency)), "buy:v:sum_insured:loan")])
    elif field == "cover_start":
        first = default_cover_start(product, utcnow())
        rows.append([(t.gettext(T.TOMORROW, date=t.date(first)), f"buy:v:cover_start:{first.isoformat()}")])
    turn.show(prompt, [*rows, back_and_person(turn, back=back)])


async def receive_field_text(turn: Turn) -> None:
    field = turn.data.get("field", "")
    if field == "phone":
        if not await reply_keyboard_label(turn):
            turn.say(turn._(T.PHONE_BUTTON_ONLY))
            await ask_field(turn)
        return
    await accept_value(turn, field, turn.incoming.text)


async def reply_keyboard_label(turn: Turn) -> bool:
    """The reply keyboard's own buttons arrive as their labels."""
    if turn.incoming.text == turn.t.gettext(BACK):
        # From the summary back to the card; from a field being edited back to the summary.
        editing = turn.data.get("editing") and turn.state != "buy.summary"
        await (summary_stage.show_summary(turn) if editing else card_stage.show_card(turn))
        return True
    if turn.incoming.text == turn.t.gettext(PERSON):
        await turn.router.screens["support.question"].render(turn)
        return True
    return False


async def choose_value(turn: Turn, field: str = "", *value: str) -> None:
    """A value from a button: validated like typed text (the data may be forged)."""
    application = await current(turn)
    if application is None or field != turn.data.get("field"):
        await card_stage.resume(turn)
        return
    raw = ":".join(value)
    if field == "workplace" and raw == "none":
        raw = turn.t.gettext(T.NOT_WORKING)
    elif field == "sum_insured" and raw == "loan":
        raw = application.answers.get("loan_amount", "")
    elif field == "cover_start" and raw:
        raw = ".".join(reversed(raw.split("-")))
    elif field == "full_name" and raw == "suggested":
        raw = turn.data.get("suggested_name", "")
    await accept_value(turn, field, raw)


async def accept_value(turn: Turn, field: str, raw: str) -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    try:
        values = parse(field, raw, product, application.answers)
    except FieldError as error:
        turn.say(turn._(T.FIELD_ERRORS.get(error.reason, T.FIELD_ERRORS["too_short"]),
                        **error_values(turn, product, application.answers, error, raw)))
        await ask_field(turn)
        return
    if field == "personal_number":
        # A new number gives a new birth date: the name is confirmed with it again.
        if application.answers.get("full_name"):
            values["known_name"] = application.answers["full_name"]
        drop_answers(application, "full_name")
    set_answers(application, **values)
    refusal = age_refusal(product, application.answers)
    if refusal is not None:
        await declaration_stage.refuse(turn, application, refusal)
        return
    if turn.data.get("editing") and field != "personal_number":
        await after_edit(turn, application)
        return
    await next_step(turn, application)


def parse(field: str, raw: str, product: Product, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers a value gives, or FieldError naming what is wrong."""
    today = local_today(product, utcnow())
    if field == "loan_amount":
        amount = str(parse_amount(raw))
        return {"loan_amount": amount, "sum_insured": amount}
    if field == "term_months":
        return {"term_months": parse_term(raw)}
    if field == "personal_number":
        check = identity.check_personal_number(product.country, raw, None)
        if not check.valid or check.birth_date is None:
            reason = check.reason or ""
            raise FieldError("personal_number_checksum" if reason.startswith("checksum")
                             else "personal_number_length" if reason == "wrong_length" else "personal_number")
        if age_on(check.birth_date, today) < 18:
            raise FieldError("under_18")
        return {"personal_number": check.number, "birth_date": check.birth_date.isoformat(), "sex": check.sex}
    if field == "full_name":
        return {"full_name": parse_full_name(raw)}
    if field == "identity_document":
        document = parse_identity_document(raw, today)
        return {"document_number": document.number, "document_issued_on": document.issued_on.isoformat(),
                "document_issuer": document.issuer}
    if field in ("address", "workplace", "beneficiary"):
        return {field: parse_text(raw, minimum=2 if field == "beneficiary" else 3)}
    if field == "sum_insured":
        amount = parse_amount(raw)
        if "loan_amount" in answers and amount > Decimal(answers["loan_amount"]):
            raise FieldError("sum_above_loan")
        return {"sum_insured": str(amount)}
    if field == "cover_start":
        return {"cover_start": parse_start_date(raw, product, utcnow()).isoformat()}
    raise FieldError("too_short")


def error_values(turn: Turn, product: Product, answers: dict[str, Any], error: FieldError, raw: str) -> dict:
    if error.reason == "sum_above_loan":
        return {"amount": turn.t.money(Decimal(answers["loan_amount"]), product.currency)}
    if error.reason in ("document_no_date", "document_no_issuer"):
        return {"example": T.DOCUMENT_EXAMPLE.get(product.country, T.DOCUMENT_EXAMPLE["KZ"])}
    if error.reason == "personal_number_length":
        return {"digits": 12 if product.country == "KZ" else 14, "given": sum(ch.isdigit() for ch in raw)}
    return {}


def age_refusal(product: Product, answers: dict[str, Any]) -> eligibility.Refusal | None:
    """Nomad Life rules 2(4), 4.6, checked as soon as birth date and term are known."""
    if "birth_date" not in answers or "term_months" not in answers:
        return None
    start = cover_start_of(product, answers)
    born = date.fromisoformat(answers["birth_date"])
    return eligibility.check_age(product, born, start, cover_end(product, start, int(answers["term_months"])))


async def receive_contact(turn: Turn) -> None:
    """Only the user's own contact: the signing code must reach their own phone."""
    application = await current(turn)
    if application is None or turn.data.get("field") != "phone":
        await card_stage.resume(turn)
        return
    if await accept_contact(turn, application):
        turn.say(turn._(T.SAVED), remove_keyboard=True)
        await after_edit(turn, application)


async def accept_contact(turn: Turn, application: PolicyApplication) -> bool:
    product = product_of(application)
    if turn.incoming.contact_user_id != turn.user.id:
        turn.say(turn._(T.STRANGER_CONTACT))
        return False
    check = identity.normalize_phone(turn.incoming.contact_phone or "", product.country, mobile_only=True)
    if not check.valid or not check.e164:
        turn.say(turn._(T.PHONE_NOT_MOBILE, country=turn._(T.COUNTRY_NAMES[product.country])))
        return False
    turn.user.phone = check.e164
    set_answers(application, phone=check.e164)
    return True


async def edit_field(turn: Turn, field: str = "") -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    if field not in editable(product, application.answers) and field != "personal_number":
        await card_stage.start_buying(turn)
        return
    turn.data.update(field=field, editing=turn.state in ("buy.edit", "buy.summary") or bool(turn.data.get("editing")))
    if field == "declarations":
        turn.data.pop("marked", None)
    await ask_field(turn)


def editable(product: Product, answers: dict[str, Any]) -> list[str]:
    fields = [f for f in fields_for(product, answers) if f != "full_name"]
    return [*fields, "full_name", "sum_insured", "phone"]
