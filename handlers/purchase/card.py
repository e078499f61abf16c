"""Entry, product list and the product card: where the product is sold, what
phone it needs, and the price, before anything is asked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bot.conversation import Button, Turn
from bot.keyboards import back_and_person
from insurance.catalogue import UnknownProduct, get_product, load_catalogue
from insurance.partner_link import LinkError, parse_link
from insurance.premium import QuoteError, price_range
from insurance.product import Product

from handlers.purchase import form as form_stage
from handlers.purchase import texts as T
from handlers.purchase.common import KNOWN_FIELDS, current, e, name_of, quote_of, sample_note, set_answers


async def start_buying(turn: Turn) -> None:
    """From the menu: resume an unfinished application, or choose a product."""
    application = await current(turn)
    if application is not None and application.status == "draft":
        turn.goto("buy.resume")
        product = get_product(application.product_code)
        turn.show(turn._(T.RESUME, product=name_of(product, turn)), [
            [(turn._(T.RESUME_YES), "buy:resume"), (turn._(T.START_OVER), "buy:new")],
            back_and_person(turn),
        ])
        return
    await choose_product(turn)


async def choose_product(turn: Turn) -> None:
    turn.goto("buy.product")
    rows = [[(turn._(T.PRODUCT_BUTTON, name=p.name.get(turn.t.language), currency=p.currency), f"buy:p:{p.code}")]
            for p in load_catalogue()]
    turn.show(turn._(T.CHOOSE_PRODUCT), [*rows, back_and_person(turn)])


async def deep_link(turn: Turn, payload: str) -> None:
    """`/start buy-...` from a partner bank (format: insurance.partner_link).
    A link that fails its check gives only its product, and the buyer is told."""
    try:
        link = parse_link(payload, turn.settings.partner_link_keys)
    except LinkError as error:
        if error.product is None:
            await choose_product(turn)
            return
        turn.say(turn._(T.LINK_NOT_VERIFIED))
        await new_application(turn, error.product, {}, source=payload[:64])
        await show_card(turn)
        return
    answers: dict[str, Any] = {}
    if link.loan_amount is not None and link.term_months is not None:
        answers.update(loan_amount=str(link.loan_amount), term_months=link.term_months,
                       sum_insured=str(link.loan_amount))
    if link.bank is not None:
        answers["bank"] = link.bank.code
    if link.agreement:
        answers["loan_agreement"] = link.agreement
    await new_application(turn, link.product, answers, source=payload[:64])
    await show_card(turn)


async def pick_product(turn: Turn, code: str = "") -> None:
    try:
        product = get_product(code)
    except UnknownProduct:
        await choose_product(turn)
        return
    await new_application(turn, product, {}, source=None)
    await show_card(turn)


async def new_application(turn: Turn, product: Product, answers: dict[str, Any], source: str | None) -> None:
    """A fresh draft, pre-filled with what the bot already knows of the buyer."""
    existing = await current(turn)
    if existing is not None and existing.status == "draft":
        existing.status = "cancelled"
    known = await turn.uow.applications.latest_signed(turn.user.id)
    if known is not None and get_product(known.product_code).country == product.country:
        answers = {**{k: known.answers[k] for k in KNOWN_FIELDS if k in known.answers}, **answers}
    if len(product.cover_options) == 1:
        answers.setdefault("cover_option", product.cover_options[0].code)
    application = turn.uow.applications.start(turn.user.id, product.code, answers, source)
    await turn.uow.flush()
    turn.data.update(application_id=application.id)
    for key in ("editing", "field", "marked"):
        turn.data.pop(key, None)


async def resume(turn: Turn) -> None:
    application = await current(turn)
    if application is None:
        await choose_product(turn)
    else:
        await form_stage.next_step(turn, application)


def price_lines(turn: Turn, product: Product, answers: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """The price block of the card, and the price per cover option (SAKBOL
    offer 3.1.2, 9.5; Nomad Life rules 6.2) from what is already known."""
    t = turn.t
    money = lambda v: t.money(v, product.currency)  # noqa: E731
    lines = [turn._(T.CARD_PRICE)]
    per_option: dict[str, str] = {}
    tariff = product.tariff
    if "loan_amount" in answers and "term_months" in answers:
        months = int(answers["term_months"])
        lines.append(t.gettext(T.CARD_PRICE_FOR_LOAN, amount=money(Decimal(answers["loan_amount"])),
                               months=t.gettext(T.MONTHS, months=months)))
        try:
            price = money(quote_of(product, answers).total)
        except QuoteError:
            low, high = price_range(product, Decimal(answers["loan_amount"]), months)
            price = t.gettext(T.CARD_PRICE_RANGE, low=money(low.total), high=money(high.total))
        lines.append(f"<b>{price}</b>")
        per_option = {o.code: price for o in product.cover_options}  # the tariff does not depend on the option
    else:
        percent = lambda r: t.number(r * 100) + "%"  # noqa: E731
        if tariff.kind == "term_bands":
            for band in tariff.bands:
                lines.append("• " + (t.gettext(T.CARD_RATE_BAND, rate=percent(band.rate), **{
                    "from": band.from_month, "to": band.to_month}) if band.to_month else t.gettext(
                    T.CARD_RATE_BAND_OPEN, rate=percent(band.rate), **{"from": band.from_month})))
        else:
            rates = tariff.rates()
            lines.append("• " + t.gettext(T.CARD_RATE_TABLE, low=percent(min(rates)), high=percent(max(rates))))
        if product.sales_tax.rate:
            lines.append("• " + t.gettext(T.CARD_TAX, rate=percent(product.sales_tax.rate)))
        lines.append(turn._(T.CARD_PRICE_LATER))
    note = sample_note(turn, product)
    if note:
        lines.append(note)
    return lines, per_option


async def show_card(turn: Turn) -> None:
    application = await current(turn)
    if application is None:
        await choose_product(turn)
        return
    product = get_product(application.product_code)
    lang = turn.t.language
    turn.goto("buy.card")
    country = turn._(T.COUNTRY_NAMES[product.country])
    where = [turn._(T.CARD_SOLD, country=country, whom=(product.sold_through or product.name).get(lang)),
             turn._(T.CARD_PHONE, country=country, prefix=T.COUNTRY_PREFIX.get(product.country, ""))]
    price, per_option = price_lines(turn, product, application.answers)
    risks = {r for option in product.cover_options for r in option.risks}
    covered = "\n".join(f"• {e(x.name.get(lang))}" for x in product.event_types if x.code in risks)
    exclusions = "\n".join(f"• {e(x.text.get(lang))}" for x in product.exclusions[:3])
    text = (f"<b>🛡 {e(product.name.get(lang))}</b>\n{e(product.insurer.name.get(lang))}\n\n"
            + "\n".join(where) + "\n\n" + "\n".join(price) + "\n\n"
            f"{turn._(T.CARD_COVERED)}\n{covered}\n\n{turn._(T.CARD_EXCLUSIONS)}\n{exclusions}\n\n"
            f"{turn._(T.CARD_RULES, url=product.rules.url)}")
    rows: list[list[Button]] = []
    if len(product.cover_options) > 1:
        text += "\n\n" + turn._(T.CARD_CHOOSE)
        for option in product.cover_options:
            label = option.name.get(lang)
            if option.code in per_option:
                label = turn.t.gettext(T.OPTION_PRICE, option=label, price=per_option[option.code])
            rows.append([(label, f"buy:o:{option.code}")])
    else:
        rows.append([(turn._(T.CONTINUE), "buy:go")])
    turn.show(text, [*rows, [(turn._(T.ALL_EXCLUSIONS), "buy:x")], back_and_person(turn, back="buy:list")])


async def choose_option(turn: Turn, code: str = "") -> None:
    """A cover option from the card (or the option step): validated, the data may be forged."""
    application = await current(turn)
    if application is None or application.status != "draft":
        await start_buying(turn)
        return
    product = get_product(application.product_code)
    if code not in {o.code for o in product.cover_options}:
        await show_card(turn)
        return
    set_answers(application, cover_option=code)
    if turn.data.get("editing"):
        await form_stage.after_edit(turn, application)
        return
    await form_stage.next_step(turn, application)


async def show_exclusions(turn: Turn) -> None:
    application = await current(turn)
    if application is None:
        await choose_product(turn)
        return
    product = get_product(application.product_code)
    lang = turn.t.language
    lines = [f"• {e(x.text.get(lang))} ({e(x.clause)})" for x in product.exclusions]
    turn.show(f"<b>🛡 {e(product.name.get(lang))}</b>\n{turn._(T.CARD_EXCLUSIONS)}\n\n" + "\n".join(lines), [
        back_and_person(turn, back="buy:card"),
    ])
