"""End to end through the emulator: the support desk in a forum supergroup (issue 10).

Staff are the staff chat's administrators (getChatMember) or QAMQOR_STAFF_USER_IDS.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.dispatcher import NOT_STAFF, UNKNOWN_COMMAND
from bot.i18n import translator
from handlers.support import canned, card, customer, reminders, staff
from insurance.support_desk import parse_hours
from storage.db import session_factory
from storage.models import StaffAction, SupportMessage, SupportRequest, utcnow
from tests.chat import buttons, catalogue, plain, staff_member
from tests.test_journeys_claims import JPEG, PDF, ready, registered_sakbol_injury
from tests.purchase_flow import open_card, step

async def open_application(user, product_code: str) -> dict:
    """The product card, then a cover option: the first application field (the loan) is asked."""
    await open_card(user, product_code)
    return await step(user, press="buy:o:death")


ALWAYS_OPEN = {"KZ": parse_hours("00:00-24:00"), "KG": parse_hours("00:00-24:00")}


@pytest.fixture
async def forum(control):
    return await control.create_group("Qamqor desk", chat_type="supergroup", bot_is_admin=True, is_forum=True)


@pytest.fixture
async def desk(start_bot, forum):
    return await start_bot(staff_chat_id=forum["id"], support_hours=ALWAYS_OPEN)


class Staff:
    """The staff forum as a test reads it: events after a mark, and writing in topics."""

    def __init__(self, control, chat_id: int, operator: dict) -> None:
        self.control, self.chat_id, self.operator = control, chat_id, operator
        self.seq = 0

    async def mark(self) -> None:
        self.seq = (await self.control.events(self.chat_id))["last_seq"]

    async def bot_messages(self, count: int, types=("bot_message",)) -> list[dict]:
        """The next `count` things the bot did in the staff chat (messages, by default)."""
        found: list[dict] = []
        while len(found) < count:
            page = await self.control.events(self.chat_id, after=self.seq, wait=10, min_count=1)
            assert page["events"], f"expected {count} bot actions in the staff chat, got {found}"
            for event in page["events"]:
                self.seq = max(self.seq, event["seq"])
                if event["type"] in types:
                    found.append(event)
                    if len(found) == count:
                        break
        return found

    async def topic(self) -> dict:
        return (await self.control.chat(self.chat_id))["topics"][-1]

    async def write(self, thread: int, text: str, as_user: dict | None = None) -> dict:
        await self.mark()
        return await self.control.send_text((as_user or self.operator)["id"], text, chat_id=self.chat_id,
                                            message_thread_id=thread)


@pytest.fixture
async def staff_forum(control, forum, desk):
    operator = await staff_member(control, forum["id"], "Aigul")
    return Staff(control, forum["id"], operator)


async def open_claim_screen(user, claim_id: int) -> dict:
    """From the claim receipt (a record with no "Talk to a person"): My claims, then the claim."""
    await user.press("claims")
    await user.reply()
    await user.press(f"claims:{claim_id}")
    return await user.reply()


async def open_ticket(user, desk_staff: Staff, question: str = "Полисім қайда?") -> tuple[dict, dict, int]:
    """The customer taps "Talk to a person" and writes one message: returns what the
    customer saw, the context card in the new topic, and the topic's thread id."""
    await user.press("support")
    await user.reply()
    await desk_staff.mark()
    await user.send(question)
    opened = await user.reply()
    card_event = (await desk_staff.bot_messages(1))[0]
    return opened, card_event["message"], card_event["message"]["message_thread_id"]


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_a_ticket_from_the_main_menu_opens_a_topic_with_the_customer_card(person, staff_forum, language):
    user = await person(language_code=language, first_name="Дана")
    await ready(user)
    opened, card_message, thread = await open_ticket(user, staff_forum, "Где мой полис?")
    assert opened["text"] == catalogue(language, customer.OPENED, number=1)
    assert {"support:leave", "menu"} <= set(buttons(opened).values())
    topic = await staff_forum.topic()
    assert topic["message_thread_id"] == thread
    assert topic["name"] == f"№1 · Дана · {language.upper()} · —"
    text = card_message["text"]
    assert text.startswith(catalogue("ru", card.CARD_TITLE, number=1, name="Дана"))
    assert "Где мой полис?" in text and "menu" in text   # the question and the screen they were on
    assert catalogue("ru", card.CARD_LAST) in text        # the last messages the bot showed them
    assert "персональных данных" in text  # the consent given, named in the staff language


async def test_a_ticket_from_a_purchase_step_keeps_the_step_and_the_card_names_it(person, staff_forum):
    user = await person(language_code="ru")
    await ready(user)
    await open_application(user, "sakbol")
    opened, card_message, thread = await open_ticket(user, staff_forum, "Какую сумму кредита писать?")
    assert "buy.field" in card_message["text"]
    await staff_forum.write(thread, "Сумму из договора займа.")
    answer = await user.reply()
    assert answer["text"] == catalogue("ru", customer.ANSWER, name="Aigul", number=1, text="Сумму из договора займа.")
    # Buttons keep working while a person has the chat; what is typed goes to the person,
    # and the card follows the customer to the screen they are on now.
    await user.press("menu")
    await user.reply()
    await staff_forum.mark()
    await user.send("А если кредит в долларах?")
    copy = (await staff_forum.bot_messages(1))[0]["message"]
    assert copy["text"] == "А если кредит в долларах?" and copy["message_thread_id"] == thread
    refreshed = (await staff_forum.bot_messages(1, types=("bot_edit",)))[0]["message"]
    assert refreshed["message_id"] == card_message["message_id"]
    assert catalogue("ru", card.CARD_SCREEN, screen="menu") in refreshed["text"]
    assert not await user.quiet_for(0.3)   # no journey answered the typed text
    await user.press("support:leave")
    left, step = await user.replies(2)
    assert left["message"]["text"] == catalogue("ru", customer.LEFT, number=1)
    assert "KGS" in step["message"]["text"]   # the loan amount step they were on
    await user.send("100000")   # the step is back, and takes its answer again
    assert "buy:v:term_months:12" in buttons(await user.reply()).values()
    staff_note = (await staff_forum.bot_messages(1))[0]["message"]
    assert staff_note["text"] == catalogue("ru", customer.STAFF_LEFT, number=1)


async def test_a_ticket_from_a_claim_screen_shows_policies_claims_and_missing_documents(desk, person, staff_forum):
    user = await person(language_code="ky")
    user.language = "ky"
    await ready(user)
    await open_claim_screen(user, await registered_sakbol_injury(desk, user))
    opened, card_message, thread = await open_ticket(user, staff_forum, "Кандай документтер керек?")
    text = card_message["text"]
    assert "SB-2026-" in text and "CLM-2026-" in text and catalogue("ru", card.CARD_CLAIMS) in text
    assert "claims" in text   # the screen they were on
    assert "Паспорт застрахованного" in text   # a missing document, in the staff language
    claim_button = [d for d in buttons(card_message).values() if d.startswith("desk:claim:")][0]
    await staff_forum.mark()
    await staff_forum.control.press(staff_forum.operator["id"], card_message["message_id"], claim_button,
                                    chat_id=staff_forum.chat_id)
    detail = (await staff_forum.bot_messages(1))[0]["message"]
    assert detail["text"].startswith("📋") and "CLM-" in detail["text"]
    assert detail["message_thread_id"] == thread
    async with session_factory(desk.engine)() as session:
        actions = (await session.scalars(select(StaffAction))).all()
    assert [(a.staff_user_id, a.action) for a in actions] == [(staff_forum.operator["id"], "desk")]


async def test_text_photo_and_document_go_both_ways_and_edits_follow(desk, person, staff_forum, control):
    user = await person(language_code="kk", first_name="Ерлан")
    await ready(user)
    _, _, thread = await open_ticket(user, staff_forum)
    forum_id = staff_forum.chat_id

    await user.send("Тағы бір сұрақ")
    text_copy = (await staff_forum.bot_messages(1))[0]["message"]
    assert text_copy["text"] == "Тағы бір сұрақ" and text_copy["message_thread_id"] == thread
    await user.upload("photo", "receipt.jpg", JPEG, "image/jpeg")
    photo_copy = (await staff_forum.bot_messages(1))[0]["message"]
    assert photo_copy["photo"] is not None and photo_copy["message_thread_id"] == thread
    await user.upload("document", "contract.pdf", PDF, "application/pdf")
    document_copy = (await staff_forum.bot_messages(1))[0]["message"]
    assert document_copy["document"]["file_name"] == "contract.pdf"

    sent = (await control.messages(user.id))
    my_text = [m for m in sent if not m["from_bot"] and m.get("text") == "Тағы бір сұрақ"][0]
    await control.edit(user.id, my_text["message_id"], "Тағы бір сұрақ (түзетілді)")
    edited = (await staff_forum.bot_messages(1, types=("bot_edit",)))[0]["message"]
    assert edited["message_id"] == text_copy["message_id"] and edited["text"] == "Тағы бір сұрақ (түзетілді)"

    said = await staff_forum.write(thread, "Қазір қараймын")
    answer = await user.reply()
    assert answer["text"] == catalogue("kk", customer.ANSWER, name="Aigul", number=1, text="Қазір қараймын")
    await staff_forum.mark()
    await control.upload(staff_forum.operator["id"], "photo", "scan.jpg", JPEG, "image/jpeg", chat_id=forum_id,
                         message_thread_id=thread, caption="Мына сурет")
    photo_answer = await user.reply()
    assert photo_answer["photo"] is not None
    assert plain(photo_answer["caption"]) == catalogue("kk", customer.ANSWER_CAPTION, name="Aigul") + "\n\nМына сурет"
    await control.upload(staff_forum.operator["id"], "document", "memo.pdf", PDF, "application/pdf",
                         chat_id=forum_id, message_thread_id=thread)
    document_answer = await user.reply()
    assert document_answer["document"]["file_name"] == "memo.pdf"

    await control.edit(staff_forum.operator["id"], said["message"]["message_id"], "Қазір қараймын, 5 минут",
                       chat_id=forum_id)
    edit = (await user.replies(1))[0]
    assert edit["type"] == "bot_edit" and edit["message"]["message_id"] == answer["message_id"]
    assert "Қазір қараймын, 5 минут" in edit["message"]["text"]
    await control.send_location(user.id, 43.238, 76.945)
    location = (await staff_forum.bot_messages(1))[0]["message"]
    assert location["location"] == {"latitude": 43.238, "longitude": 76.945}
    await user.upload("voice", "voice.ogg", b"OggS voice", "audio/ogg")
    voice = (await staff_forum.bot_messages(1))[0]["message"]
    assert voice["voice"]["mime_type"] == "audio/ogg" and voice["message_thread_id"] == thread
    await user._mark()
    await control.upload(staff_forum.operator["id"], "video", "how-to.mp4", b"\x00\x00\x00\x18ftypmp42",
                         "video/mp4", chat_id=forum_id, message_thread_id=thread)
    video_answer = await user.reply()
    assert video_answer["video"] is not None
    assert plain(video_answer["caption"]) == catalogue("kk", customer.ANSWER_CAPTION, name="Aigul")
    await staff_forum.write(thread, "Сау болыңыз")   # after this, the video's ids are recorded (same sender)
    await user.reply()
    async with session_factory(desk.engine)() as session:
        relayed = (await session.scalars(select(SupportMessage).order_by(SupportMessage.id))).all()
    # Who answered is recorded per message, with both sides' message ids.
    answers = [(m.kind, m.staff_user_id) for m in relayed if m.direction == "to_customer"]
    assert answers == [("text", staff_forum.operator["id"]), ("file", staff_forum.operator["id"]),
                       ("file", staff_forum.operator["id"]), ("video", staff_forum.operator["id"]),
                       ("text", staff_forum.operator["id"])]
    assert all(m.customer_message_id and m.staff_message_id for m in relayed[:-1])


@pytest.mark.parametrize("language", ["kk", "ky", "ru"])
async def test_a_canned_answer_arrives_in_the_customers_language_with_their_claim(desk, person, staff_forum,
                                                                                  language):
    user = await person(language_code=language)
    user.language = language
    await ready(user)
    await open_claim_screen(user, await registered_sakbol_injury(desk, user))
    _, _, thread = await open_ticket(user, staff_forum, "Что дальше?")
    await staff_forum.write(thread, "/r")
    listing = (await staff_forum.bot_messages(1))[0]["message"]
    assert all(answer.key in listing["text"] for answer in canned.CANNED)
    await user._mark()
    await staff_forum.write(thread, "/r docs")
    answer = await user.reply()
    expected = translator(language).gettext(canned.BY_KEY["docs"].text, claim="CLM-")
    assert expected.split("CLM-")[0] in plain(answer["text"]) and "CLM-20" in answer["text"]
    confirmation = (await staff_forum.bot_messages(1))[0]["message"]
    assert confirmation["message_thread_id"] == thread and "docs" in confirmation["text"]
    assert not [m for m in await user.messages() if (m.get("text") or "").startswith("/r")]


async def test_close_rating_comment_and_writing_again_reopens(desk, person, staff_forum, control):
    user = await person(language_code="ru")
    await ready(user)
    _, _, thread = await open_ticket(user, staff_forum, "Как вернуть страховку?")
    await staff_forum.write(thread, "/close")
    closed, menu, rate = (await user.replies(3))
    assert closed["message"]["text"] == catalogue("ru", customer.CLOSED_BY_STAFF, name="Aigul", number=1)
    assert "buy" in buttons(menu["message"]).values()   # the journey they left: the main menu
    assert rate["message"]["text"] == catalogue("ru", customer.RATE)
    notes = await staff_forum.bot_messages(1)
    assert notes[0]["message"]["text"] == catalogue("ru", staff.STAFF_CLOSED, number=1, name="Aigul")
    topic = await staff_forum.topic()
    await staff_forum.bot_messages(1, types=("topic_closed",))
    assert (await staff_forum.topic())["is_closed"] and (await staff_forum.topic())["name"].startswith("✅")

    await user.press("support:rate:1:4")
    asked = await user.reply()
    assert asked["text"] == catalogue("ru", customer.RATED)
    rating = (await staff_forum.bot_messages(1))[0]["message"]
    assert rating["text"] == catalogue("ru", customer.STAFF_RATING, number=1, rating=4)
    await user.send("Быстро и понятно")
    thanks, back = await user.replies(2)
    assert thanks["message"]["text"] == catalogue("ru", customer.THANKS)
    assert "buy" in buttons(back["message"]).values()   # their journey (the menu) is back
    comment = (await staff_forum.bot_messages(1))[0]["message"]
    assert comment["text"] == catalogue("ru", customer.STAFF_COMMENT, number=1, text="Быстро и понятно")

    await user.send("И ещё вопрос")
    reopened = await user.reply()
    assert reopened["text"] == catalogue("ru", customer.REOPENED, number=1)
    await staff_forum.bot_messages(1, types=("topic_reopened",))
    assert not (await staff_forum.topic())["is_closed"]
    copies = await staff_forum.bot_messages(2)
    assert copies[0]["message"]["text"] == catalogue("ru", "🔄 The customer wrote again: request No. %(number)s is open again.", number=1)
    assert copies[-1]["message"]["text"] == "И ещё вопрос" and copies[-1]["message"]["message_thread_id"] == thread
    async with session_factory(desk.engine)() as session:
        request = (await session.scalars(select(SupportRequest))).one()
    assert (request.rating, request.rating_comment, request.status) == (4, "Быстро и понятно", "open")
    assert topic["message_thread_id"] == thread


async def test_staff_are_reminded_after_the_waiting_time_and_the_customer_never_sees_it(desk, person, staff_forum):
    user = await person(language_code="kk")
    await ready(user)
    _, _, thread = await open_ticket(user, staff_forum)
    await desk.run_background_once(now=utcnow() + timedelta(minutes=5))
    await desk.run_background_once(now=utcnow() + timedelta(minutes=11))
    first = (await staff_forum.bot_messages(1))[0]["message"]
    assert first["message_thread_id"] == thread
    assert first["text"].startswith(catalogue("ru", reminders.STAFF_REMINDER, number=1, minutes=11)[:20])
    await desk.run_background_once(now=utcnow() + timedelta(minutes=12))   # not twice
    await desk.run_background_once(now=utcnow() + timedelta(minutes=31))
    second = (await staff_forum.bot_messages(1))[0]["message"]
    assert "31" in second["text"] and second["message_thread_id"] == thread
    assert not await user.quiet_for(0.3)   # the customer never sees reminders


async def test_only_staff_act_and_strangers_cannot_reach_customers(desk, person, staff_forum, control):
    user = await person(language_code="ru")
    await ready(user)
    _, _, thread = await open_ticket(user, staff_forum)
    member = await staff_member(control, staff_forum.chat_id, "Stranger", status="member")
    await staff_forum.write(thread, "/close", as_user=member)
    refused = (await staff_forum.bot_messages(1))[0]["message"]
    assert refused["text"] == catalogue("ru", NOT_STAFF) and refused["message_thread_id"] == thread
    await staff_forum.write(thread, "Я тоже поддержка", as_user=member)
    await user._mark()
    await user.send("/r hello")   # a private chat is never the staff chat
    said, _ = await user.replies(2)
    assert said["message"]["text"] == catalogue("ru", UNKNOWN_COMMAND)
    assert not [m for m in await user.messages() if "Я тоже поддержка" in (m.get("text") or "")]


async def test_staff_cannot_reach_a_customer_without_an_open_or_recent_ticket(desk, person, staff_forum):
    user = await person(language_code="ru")
    await ready(user)
    _, _, thread = await open_ticket(user, staff_forum)
    await user.press("support:leave")
    await user.replies(2)
    async with session_factory(desk.engine)() as session:
        request = (await session.scalars(select(SupportRequest))).one()
        request.closed_at = utcnow() - timedelta(days=2)
        await session.commit()
    await staff_forum.write(thread, "Вы ещё здесь?")
    refused = (await staff_forum.bot_messages(1))[0]["message"]
    assert refused["text"] == catalogue("ru", staff.STAFF_NO_TICKET)
    assert not await user.quiet_for(0.3)


async def test_a_plain_group_keeps_replies_with_media_both_ways(qamqor, person, control, settings):
    user = await person(language_code="ky")
    await ready(user)
    await user.press("support")
    await user.reply()
    await user.send("Полисимди таба албай жатам")
    await user.reply()
    request = (await control.messages(settings.staff_chat_id))[-1]
    await user.upload("photo", "screen.jpg", JPEG, "image/jpeg")
    events = await control.events(settings.staff_chat_id, after=0, wait=10, min_count=2)
    copy = events["events"][-1]["message"]
    assert copy["photo"] is not None and copy["reply_to_message_id"] == request["message_id"]
    operator = await staff_member(control, settings.staff_chat_id)
    await user._mark()
    await control.upload(operator["id"], "document", "policy.pdf", PDF, "application/pdf",
                         chat_id=settings.staff_chat_id)   # not a reply: not for anyone
    await control.send_text(operator["id"], "Бул сиздин полис", chat_id=settings.staff_chat_id,
                            reply_to_message_id=copy["message_id"])
    answer = await user.reply()
    assert answer["text"] == catalogue("ky", customer.ANSWER, name="Operator", number=1, text="Бул сиздин полис")


async def test_a_restart_in_the_middle_of_a_conversation_loses_nothing(start_bot, forum, person, control):
    first = await start_bot(staff_chat_id=forum["id"], support_hours=ALWAYS_OPEN)
    desk_staff = Staff(control, forum["id"], await staff_member(control, forum["id"], "Aigul"))
    user = await person(language_code="kk")
    await ready(user)
    _, _, thread = await open_ticket(user, desk_staff)
    await first.stop()
    await user.send("Жауап күтемін")
    await desk_staff.write(thread, "Міне жауап")
    await start_bot(staff_chat_id=forum["id"], support_hours=ALWAYS_OPEN)
    copy = [e for e in await desk_staff.bot_messages(1)][0]["message"]
    assert copy["text"] == "Жауап күтемін" and copy["message_thread_id"] == thread
    answer = await user.reply()
    assert answer["text"] == catalogue("kk", customer.ANSWER, name="Aigul", number=1, text="Міне жауап")
    assert len((await control.chat(forum["id"]))["topics"]) == 1


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_an_edit_is_never_a_new_answer(qamqor, person, control, settings, language):
    user = await person(language_code=language)
    await ready(user)
    await open_application(user, "sakbol")
    await user.send("100000")
    await user.reply()
    mine = [m for m in await control.messages(user.id) if m.get("text") == "100000"][0]
    await control.edit(user.id, mine["message_id"], "999999999")
    await user.press("support")
    await user.reply()
    await user.send("Вопрос")
    await user.reply()
    question = [m for m in await control.messages(user.id) if m.get("text") == "Вопрос"][0]
    await control.edit(user.id, question["message_id"], "Вопрос 2")
    await user.send("/support")
    still = await user.reply()
    assert still["text"] == catalogue(language, customer.STILL_OPEN, number=1)
    async with session_factory(qamqor.engine)() as session:
        requests = (await session.scalars(select(SupportRequest))).all()
        from storage.models import PolicyApplication
        application = (await session.scalars(select(PolicyApplication))).one()
    assert len(requests) == 1 and requests[0].text == "Вопрос"
    assert application.answers.get("loan_amount") == "100000.00"   # the edit to 999999999 changed nothing


async def test_paid_and_lookups_work_inside_a_topic_and_are_recorded(desk, person, staff_forum):
    from handlers import purchase

    user = await person(language_code="ru")
    await ready(user)
    await open_claim_screen(user, await registered_sakbol_injury(desk, user))
    _, _, thread = await open_ticket(user, staff_forum)
    await staff_forum.write(thread, "/paid abc")
    usage = (await staff_forum.bot_messages(1))[0]["message"]
    assert usage["text"] == catalogue("ru", purchase.STAFF_PAID_USAGE) and usage["message_thread_id"] == thread
    await staff_forum.write(thread, "/claim")
    claim = (await staff_forum.bot_messages(1))[0]["message"]
    assert "CLM-2026-" in claim["text"] and claim["message_thread_id"] == thread
    await staff_forum.write(thread, "/policy SB-0000")
    missing = (await staff_forum.bot_messages(1))[0]["message"]
    assert missing["text"] == catalogue("ru", card.NOT_FOUND, number="SB-0000")
    async with session_factory(desk.engine)() as session:
        actions = (await session.scalars(select(StaffAction).order_by(StaffAction.id))).all()
    assert [(a.staff_user_id, a.action, a.details["args"]) for a in actions] == [
        (staff_forum.operator["id"], "paid", "abc"), (staff_forum.operator["id"], "claim", ""),
        (staff_forum.operator["id"], "policy", "SB-0000")]


async def test_outside_working_hours_the_customer_is_told_when_a_person_answers(start_bot, forum, person, control):
    from insurance.support_desk import COUNTRY_ZONES, next_opening

    hour = (utcnow().astimezone(COUNTRY_ZONES["KG"]).hour + 2) % 24
    hours = parse_hours(f"{hour:02d}:00-{hour:02d}:30")   # starts in one to two hours
    await start_bot(staff_chat_id=forum["id"], support_hours={"KZ": hours, "KG": hours})
    desk_staff = Staff(control, forum["id"], await staff_member(control, forum["id"], "Aigul"))
    user = await person(language_code="ky")
    await ready(user)
    opened, _, _ = await open_ticket(user, desk_staff, "Саламатсызбы")
    opening = next_opening("KG", hours, utcnow())
    assert opening is not None
    t = translator("ky")
    assert plain(opened["text"]).endswith(catalogue(
        "ky", customer.OUTSIDE_HOURS, hours=str(hours), city=t.gettext(customer.CITIES["KG"]),
        time=f"{opening:%H:%M}", date=t.date(opening.date())))


@pytest.mark.parametrize("language", ["kk", "ru"])
async def test_bad_ratings_comments_and_staff_commands_are_explained(desk, person, staff_forum, control, language):
    from bot.dispatcher import STALE_BUTTON

    user = await person(language_code=language)
    await ready(user)
    _, _, thread = await open_ticket(user, staff_forum)
    await user.press("support:rate:1:5", forge=True)   # not closed yet: nothing to rate
    assert (await user.callback_answer())["text"] == catalogue(language, STALE_BUTTON)

    await staff_forum.write(thread, "/r nosuchkey")
    unknown = (await staff_forum.bot_messages(1))[0]["message"]
    assert unknown["text"] == catalogue("ru", staff.STAFF_CANNED_UNKNOWN, key="nosuchkey")
    await staff_forum.mark()
    await control.send_text(staff_forum.operator["id"], "/close", chat_id=staff_forum.chat_id)   # in General
    outside = (await staff_forum.bot_messages(1))[0]["message"]
    assert outside["text"] == catalogue("ru", staff.STAFF_NOT_A_TICKET)
    await staff_forum.write(thread, "/policy")
    none = (await staff_forum.bot_messages(1))[0]["message"]
    assert none["text"] == catalogue("ru", card.NOT_FOUND, number="—")

    await staff_forum.write(thread, "/close")
    await user.replies(3)
    await user.press("support:rate:1:9", forge=True)   # only 1 to 5
    assert (await user.callback_answer())["text"] == catalogue(language, STALE_BUTTON)
    await user.press("support:rate:1:2")
    await user.reply()
    await user.send("ы" * 2500)
    too_long = await user.reply()
    assert too_long["text"] == catalogue(language, customer.TOO_LONG, length=translator(language).number(2500),
                                         limit=translator(language).number(customer.MAX_QUESTION))
    await user.press("support:skip")
    thanks, _ = await user.replies(2)
    assert thanks["message"]["text"] == catalogue(language, customer.THANKS)
    async with session_factory(desk.engine)() as session:
        request = (await session.scalars(select(SupportRequest))).one()
    assert (request.rating, request.rating_comment) == (2, None)
