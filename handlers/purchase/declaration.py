"""One declaration screen: the whole list, "None of this applies to me" in one
tap, or the items marked one by one. Every item's answer is recorded and
printed on the signed application (Nomad Life rules 4.3-4.5, SAKBOL offer
2.7); a marked item refuses with its clause (Nomad Life 4.2, 4.6; SAKBOL 4.5)."""

from __future__ import annotations

from bot.conversation import Button, Turn
from bot.keyboards import MAIN_MENU, PERSON, back_and_person
from insurance import eligibility
from insurance.parsing import parse_int
from insurance.product import Product
from storage.models import PolicyApplication

from handlers.purchase import card as card_stage
from handlers.purchase import form as form_stage
from handlers.purchase import texts as T
from handlers.purchase.common import current, e, name_of, product_of, set_answers


def _item_texts(turn: Turn, product: Product) -> list[str]:
    lang = turn.t.language
    return [turn._(T.SOMEONE_ELSE) if code == eligibility.INSURED_IS_SOMEONE_ELSE
            else e(product.declaration(code).question.get(lang)) for code, _ in eligibility.statement_items(product)]


async def show_declaration(turn: Turn) -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    marking = "marked" in turn.data
    marked = set(turn.data.get("marked", []))
    lines = [f"{'☑️' if i in marked else '▫️'} {i + 1}. {text}" if marking else f"{i + 1}. {text}"
             for i, text in enumerate(_item_texts(turn, product))]
    turn.goto("buy.declare")
    head = turn._(T.DECLARE_TITLE, product=name_of(product, turn))
    prompt = turn._(T.MARK_TEXT) if marking else turn._(T.DECLARE_TEXT)
    text = f"{head}\n\n{prompt}\n\n" + "\n".join(lines) + f"\n\n{turn._(T.DECLARE_FOOTER)}"
    rows: list[list[Button]]
    if marking:
        numbers = [(f"{'☑️' if i in marked else '▫️'} {i + 1}", f"buy:dm:{i}") for i in range(len(lines))]
        rows = [numbers[i:i + 5] for i in range(0, len(numbers), 5)]
        rows.append([(turn._(T.MARK_DONE), "buy:dd")])
    else:
        rows = [[(turn._(T.NONE_APPLIES), "buy:dn")], [(turn._(T.SOMETHING_APPLIES), "buy:ds")]]
    turn.show(text, [*rows, back_and_person(turn, back="buy:card")])


async def none_applies(turn: Turn) -> None:
    turn.data.pop("marked", None)
    await _record(turn, set())


async def something_applies(turn: Turn) -> None:
    turn.data["marked"] = []
    await show_declaration(turn)


async def toggle(turn: Turn, index: str = "") -> None:
    application = await current(turn)
    if application is None or "marked" not in turn.data:
        await show_declaration(turn)
        return
    count = len(eligibility.statement_items(product_of(application)))
    if (pressed := parse_int(index, maximum=count - 1)) is not None:
        marked = set(turn.data["marked"]) ^ {pressed}
        turn.data["marked"] = sorted(marked)
    await show_declaration(turn)


async def done(turn: Turn) -> None:
    marked = set(turn.data.pop("marked", []))
    await _record(turn, marked)


async def _record(turn: Turn, marked: set[int]) -> None:
    application = await current(turn)
    if application is None or application.status != "draft":
        await card_stage.start_buying(turn)
        return
    product = product_of(application)
    items = eligibility.statement_items(product)
    answers = {code: i in marked for i, (code, _) in enumerate(items)}
    set_answers(application, declarations=answers)
    refusal = eligibility.check_statement(product, answers)
    if refusal is not None:
        await refuse(turn, application, refusal)
        return
    if turn.data.get("editing"):
        await form_stage.after_edit(turn, application)
        return
    await form_stage.next_step(turn, application)


async def refuse(turn: Turn, application: PolicyApplication, refusal: eligibility.Refusal) -> None:
    """Recorded with its clause; the buyer is offered a person, never a dead end."""
    application.status = "handed_over" if refusal.handover_to_staff else "refused"
    application.refusal = {"rule": refusal.rule, "clause": refusal.clause, "subject": refusal.subject}
    await show_refusal(turn)


async def show_refusal(turn: Turn) -> None:
    application = await current(turn)
    if application is None or application.refusal is None:
        await turn.router.home(turn)
        return
    product = product_of(application)
    refusal = application.refusal
    if refusal["rule"] == "age_limit":
        assert product.eligibility.age_limit is not None
        reason = turn._(T.REFUSED_AGE, age=product.eligibility.age_limit.age, clause=refusal["clause"])
    elif refusal["rule"] == "insured_not_policyholder":
        reason = turn._(T.REFUSED_HANDOVER, clause=refusal["clause"])
    else:
        question = product.declaration(refusal["subject"]).question.get(turn.t.language)
        reason = turn._(T.REFUSED_DECLARATION, question=question, clause=refusal["clause"])
    turn.goto("buy.refused")
    turn.show(f"{turn._(T.REFUSED_TITLE, product=name_of(product, turn))}\n\n{reason}\n\n{turn._(T.REFUSED_FOOTER)}",
              [[(turn._(PERSON), "support")], [(turn._(MAIN_MENU), "menu")]])
