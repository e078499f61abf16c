"""Repositories and the unit of work: everything one update changes commits together."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import InsertReturningIds
from storage.models import (
    ChatScreen,
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimOriginal,
    Consent,
    Dialog,
    OutgoingMessage,
    Payment,
    Policy,
    PolicyApplication,
    SigningCode,
    StaffAction,
    SupportMessage,
    SupportRequest,
    TerminationRequest,
    SupportTopic,
    User,
    utcnow,
)
from storage.partners import IdempotentRequests, PartnerEvents, Partners

# A sender that took an outbox row and has not recorded it within this is presumed dead.
IN_FLIGHT_LEASE = timedelta(minutes=2)


class ById:
    """`Session.get` for a row a step reads often, with its SELECT built once: the
    session's own copy when it has one (`Session.get` then reads nothing), else one
    prebuilt statement. `Session.get` builds its statement on every call, which cost
    more than running it."""

    def __init__(self, model: type[Any]) -> None:
        self._model, self._mapper = model, model.__mapper__
        self._query = select(model).where(self._mapper.primary_key[0] == bindparam("pk"))

    async def __call__(self, session: AsyncSession, pk: int) -> Any:
        if self._mapper.identity_key_from_primary_key([pk]) in session.identity_map:
            return await session.get(self._model, pk)
        return (await session.scalars(self._query, {"pk": pk})).first()


class Users:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: int) -> User | None:
        return await self._session.get(User, user_id)

    async def get_or_create(self, user_id: int, **profile: Any) -> tuple[User, bool]:
        user = await self.get(user_id)
        if user is not None:
            self.update_profile(user, **profile)
            return user, False
        return await self.create(user_id, **profile), True

    async def create(self, user_id: int, **profile: Any) -> User:
        user = User(id=user_id, **profile)
        self._session.add(user)
        await self._session.flush()
        return user

    @staticmethod
    def update_profile(user: User, **profile: Any) -> None:
        """What Telegram says of the user now (name, username, language); None keeps a value."""
        for key, value in profile.items():
            if value is not None and getattr(user, key) != value:
                setattr(user, key, value)


class Consents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # Answers known in this unit of work (loaded with the step, or given in it).
        self._known: dict[tuple[int, str, str], Consent | None] = {}

    def remember_active(self, user_id: int, kind: str, scope: str, consent: Consent | None) -> None:
        self._known[(user_id, kind, scope)] = consent

    async def active(self, user_id: int, kind: str, scope: str) -> Consent | None:
        key = (user_id, kind, scope)
        if key in self._known and (self._known[key] is None or self._known[key].withdrawn_at is None):
            return self._known[key]
        result = await self._session.scalars(
            select(Consent)
            .where(Consent.user_id == user_id, Consent.kind == kind, Consent.scope == scope)
            .where(Consent.withdrawn_at.is_(None))
            .order_by(Consent.given_at.desc())
            .limit(1)
        )
        return result.first()

    async def history(self, user_id: int) -> Sequence[Consent]:
        result = await self._session.scalars(
            select(Consent).where(Consent.user_id == user_id).order_by(Consent.given_at, Consent.id)
        )
        return result.all()

    async def get_for_user(self, user_id: int, consent_id: int) -> Consent | None:
        consent = await self._session.get(Consent, consent_id)
        return consent if consent is not None and consent.user_id == user_id else None

    def give(self, **fields: Any) -> Consent:
        consent = Consent(given_at=utcnow(), **fields)
        self._session.add(consent)
        self._known[(consent.user_id, consent.kind, consent.scope)] = consent
        return consent


# Dialogs and screens are read and written as rows (Core): each step reads and
# writes both, and the ORM's loading and change tracking cost more than the SQL.
_DIALOGS, _SCREENS = Dialog.__table__, ChatScreen.__table__
_LOAD_DIALOG = select(_DIALOGS.c.state, _DIALOGS.c.data).where(_DIALOGS.c.user_id == bindparam("id"))
_ADD_DIALOG = insert(_DIALOGS).values(user_id=bindparam("id"), state=bindparam("state"), data=bindparam("data"),
                                      updated_at=bindparam("now"))
_SAVE_DIALOG = (update(_DIALOGS).where(_DIALOGS.c.user_id == bindparam("id"))
                .values(state=bindparam("state"), data=bindparam("data"), updated_at=bindparam("now")))
_LOAD_SCREEN = select(_SCREENS.c.message_id, _SCREENS.c.retired).where(_SCREENS.c.user_id == bindparam("id"))
_ADD_SCREEN = insert(_SCREENS).values(user_id=bindparam("id"), message_id=bindparam("message_id"),
                                      retired=bindparam("retired"))
_SAVE_SCREEN = (update(_SCREENS).where(_SCREENS.c.user_id == bindparam("id"))
                .values(message_id=bindparam("message_id"), retired=bindparam("retired")))
_SCREEN_SHOWN = update(_SCREENS).where(_SCREENS.c.user_id == bindparam("id")).values(message_id=bindparam("message_id"))


@dataclass(frozen=True)
class SavedDialog:
    """Where a user is, as stored: the state (screen) and the answers so far."""

    state: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SavedScreen:
    """A user's current screen message (None: none yet) and their retired screens."""

    message_id: int | None
    retired: list[int]


class Dialogs:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # As read or written in this unit of work (None: no row), so `save` writes
        # only a change and knows whether to insert.
        self._stored: dict[int, SavedDialog | None] = {}

    async def get(self, user_id: int) -> SavedDialog | None:
        if user_id not in self._stored:
            row = (await self._session.execute(_LOAD_DIALOG, {"id": user_id})).first()
            self._stored[user_id] = SavedDialog(row.state, row.data) if row is not None else None
        return self._stored[user_id]

    def loaded(self, user_id: int, dialog: SavedDialog | None) -> None:
        """The dialog as read with the step (`UnitOfWork.load_step`)."""
        self._stored[user_id] = dialog

    async def save(self, user_id: int, state: str, data: dict[str, Any]) -> None:
        """The dialog as the step leaves it; written only when it changed."""
        stored = await self.get(user_id)
        if stored is not None and stored.state == state and stored.data == data:
            return
        await self._session.execute(_SAVE_DIALOG if stored is not None else _ADD_DIALOG,
                                    {"id": user_id, "state": state, "data": dict(data), "now": utcnow()})
        self._stored[user_id] = SavedDialog(state, dict(data))


class ChatScreens:
    """Which message is the current screen (editable), and which are retired."""

    RETIRED_KEPT = 50

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._stored: dict[int, SavedScreen | None] = {}  # as in Dialogs

    async def get(self, user_id: int) -> SavedScreen | None:
        if user_id not in self._stored:
            row = (await self._session.execute(_LOAD_SCREEN, {"id": user_id})).first()
            self._stored[user_id] = SavedScreen(row.message_id, list(row.retired)) if row is not None else None
        return self._stored[user_id]

    def loaded(self, user_id: int, screen: SavedScreen | None) -> None:
        self._stored[user_id] = screen

    async def save(self, user_id: int, message_id: int | None, retired: list[int]) -> None:
        """As `Dialogs.save`; the newest `RETIRED_KEPT` retired screens are kept."""
        stored = await self.get(user_id)
        retired = list(retired[-self.RETIRED_KEPT:])
        if stored is not None and stored.message_id == message_id and stored.retired == retired:
            return
        await self._session.execute(_SAVE_SCREEN if stored is not None else _ADD_SCREEN,
                                    {"id": user_id, "message_id": message_id, "retired": retired})
        self._stored[user_id] = SavedScreen(message_id, retired)

    async def shown(self, user_id: int, message_id: int) -> None:
        """The screen was sent (or edited) as message `message_id`."""
        result = await self._session.execute(_SCREEN_SHOWN, {"id": user_id, "message_id": message_id})
        if not result.rowcount:
            await self._session.execute(_ADD_SCREEN, {"id": user_id, "message_id": message_id, "retired": []})
            self._stored[user_id] = SavedScreen(message_id, [])
        elif (stored := self._stored.get(user_id)) is not None:
            self._stored[user_id] = SavedScreen(message_id, stored.retired)
        else:  # its retired screens were not read here: read again if `save` needs them
            self._stored.pop(user_id, None)

    async def shown_all(self, shown: Sequence[tuple[int, int]]) -> None:
        """`shown` for several users' screens (user id, message id), in one statement."""
        if len(shown) > 1 and self._session.get_bind().dialect.supports_sane_multi_rowcount:
            result = await self._session.execute(_SCREEN_SHOWN, [{"id": user_id, "message_id": message_id}
                                                                 for user_id, message_id in shown])
            if result.rowcount == len(shown):
                for user_id, message_id in shown:
                    self._stored.pop(user_id, None)
                return
        for user_id, message_id in shown:  # one by one where a row may be missing or is not counted
            await self.shown(user_id, message_id)


# The statements of every step, built once: building one costs more than running it.
_OUTBOX = OutgoingMessage.__table__
_INSERT_OUTBOX = InsertReturningIds(_OUTBOX)
_MARK_ALL_SENT = (update(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
                  .values(sent_at=bindparam("sent_at"), attempts=_OUTBOX.c.attempts + 1, in_flight_at=None))


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.added = 0  # rows added in this unit of work

    def add(self, chat_id: int, payload: dict[str, Any], update_id: int | None = None) -> OutgoingMessage:
        message = OutgoingMessage(chat_id=chat_id, payload=payload, update_id=update_id)
        self._session.add(message)
        self.added += 1
        return message

    async def add_in_flight(self, messages: Sequence[tuple[int, dict[str, Any]]], update_id: int,
                            now: datetime) -> list[OutgoingMessage]:
        """A step's replies, written as taken by this process (in flight), in one statement:
        the step sends them right after its commit from the returned rows (not attached
        to the session), so nothing is read back."""
        rows = [{"chat_id": chat_id, "payload": payload, "update_id": update_id, "created_at": now,
                 "attempts": 0, "in_flight_at": now} for chat_id, payload in messages]
        ids = await _INSERT_OUTBOX(self._session, rows)
        return [OutgoingMessage(id=id_, chat_id=chat_id, payload=payload, update_id=update_id, created_at=now,
                                attempts=0, in_flight_at=now) for id_, (chat_id, payload) in zip(ids, messages)]

    async def chats_waiting(self, chat_ids: set[int]) -> set[int]:
        """Of these chats, those with an unsent row (a new reply must go after it)."""
        return set((await self._session.scalars(select(OutgoingMessage.chat_id).distinct().where(
            OutgoingMessage.sent_at.is_(None), OutgoingMessage.chat_id.in_(chat_ids)))).all())

    async def mark_all_sent(self, message_ids: Sequence[int], sent_at: datetime) -> None:
        await self._session.execute(_MARK_ALL_SENT, {"ids": list(message_ids), "sent_at": sent_at})

    async def claim(self, now: datetime, *, update_id: int | None = None, background: bool = False,
                    limit: int = 200, lease: timedelta = IN_FLIGHT_LEASE) -> list[OutgoingMessage]:
        """Take the rows that may be sent now, marked in flight (commit before sending).

        A chat's rows go in id order, and only as an unbroken run from the chat's
        oldest unsent row: a row in flight elsewhere, not yet due (a retry), or locked
        at this moment by another worker's claim (PostgreSQL: `FOR UPDATE SKIP LOCKED`)
        holds back that chat's later rows only. Of the rest, only rows of `update_id`,
        or background rows (no update), when asked. A row in flight longer than
        `lease` (its sender died) may be taken again.
        """
        stale = now - lease
        sendable = and_(or_(OutgoingMessage.next_attempt_at.is_(None), OutgoingMessage.next_attempt_at <= now),
                        or_(OutgoingMessage.in_flight_at.is_(None), OutgoingMessage.in_flight_at <= stale))
        # Only sendable rows are read, so any number of waiting rows never crowds them out...
        query = (select(OutgoingMessage).where(OutgoingMessage.sent_at.is_(None), sendable)
                 .order_by(OutgoingMessage.id).limit(limit))
        if self._session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await self._session.scalars(query)).all()
        # ...and each chat's unsent rows, whatever their state, say which of them are next.
        unsent: dict[int, list[int]] = {}
        if rows:
            for chat_id, row_id in (await self._session.execute(
                    select(OutgoingMessage.chat_id, OutgoingMessage.id)
                    .where(OutgoingMessage.sent_at.is_(None), OutgoingMessage.id <= rows[-1].id,
                           OutgoingMessage.chat_id.in_({row.chat_id for row in rows}))
                    .order_by(OutgoingMessage.id))).all():
                unsent.setdefault(chat_id, []).append(row_id)
        position = dict.fromkeys(unsent, 0)
        held: set[int] = set()
        taken: list[OutgoingMessage] = []
        for row in rows:
            if row.chat_id in held:
                continue
            ids = unsent.get(row.chat_id, [])
            if position.get(row.chat_id, 0) >= len(ids) or ids[position[row.chat_id]] != row.id:
                held.add(row.chat_id)  # an earlier row of this chat is not ours to send now
                continue
            position[row.chat_id] += 1
            if update_id is not None and row.update_id != update_id:
                held.add(row.chat_id)  # an earlier row of this chat, not ours: the flush sends both
                continue
            if background and row.update_id is not None:
                held.add(row.chat_id)
                continue
            if row.in_flight_at is not None:
                row.last_error = "sent again: an earlier attempt was interrupted"
            row.in_flight_at = now
            taken.append(row)
        return taken

    async def release(self, message_id: int) -> None:
        await self._session.execute(
            update(OutgoingMessage).where(OutgoingMessage.id == message_id).values(in_flight_at=None))

    async def release_in_flight(self, now: datetime) -> int:
        """Rows a stopped process had taken: sendable again (it may have sent them)."""
        result = await self._session.execute(
            update(OutgoingMessage).where(OutgoingMessage.sent_at.is_(None), OutgoingMessage.in_flight_at.is_not(None))
            .values(in_flight_at=None, attempts=OutgoingMessage.attempts + 1,
                    last_error="sent again: the process stopped while sending"))
        return result.rowcount or 0

    async def mark_sent(self, message_id: int, sent_at: datetime | None = None) -> None:
        await self._session.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.id == message_id)
            .values(sent_at=sent_at or utcnow(), attempts=OutgoingMessage.attempts + 1, in_flight_at=None)
        )

    async def recent_texts(self, chat_id: int, limit: int = 3) -> list[str]:
        """The last texts the bot sent (or is sending) to a chat, oldest first."""
        result = await self._session.scalars(
            select(OutgoingMessage).where(OutgoingMessage.chat_id == chat_id).order_by(OutgoingMessage.id.desc())
            .limit(limit * 3))
        texts = [(m.payload or {}).get("text") or (m.payload or {}).get("caption") for m in result.all()]
        return [t for t in texts if t][:limit][::-1]

    async def mark_failed(self, message_id: int, error: str, *, give_up: bool,
                          next_attempt_at: datetime | None = None, now: datetime | None = None) -> None:
        values: dict[str, Any] = {"attempts": OutgoingMessage.attempts + 1, "last_error": error[:500],
                                  "in_flight_at": None, "next_attempt_at": next_attempt_at}
        if give_up:
            values["sent_at"] = values["given_up_at"] = now or utcnow()
        await self._session.execute(
            update(OutgoingMessage).where(OutgoingMessage.id == message_id).values(**values)
        )

    async def purge(self, sent_before: datetime, now: datetime) -> int:
        """Replace the content of rows sent (or given up) before `sent_before` by its kind."""
        rows = (await self._session.scalars(select(OutgoingMessage).where(
            OutgoingMessage.sent_at.is_not(None), OutgoingMessage.sent_at < sent_before,
            OutgoingMessage.purged_at.is_(None)).limit(500))).all()
        for row in rows:
            row.payload = {"method": row.payload.get("method"), "purged": True}
            row.purged_at = now
        return len(rows)

    async def pending(self, *, update_id: int | None = None) -> Sequence[OutgoingMessage]:
        query = select(OutgoingMessage).where(OutgoingMessage.sent_at.is_(None))
        if update_id is not None:
            query = query.where(OutgoingMessage.update_id == update_id)
        return (await self._session.scalars(query.order_by(OutgoingMessage.id))).all()


# A user's newest ticket: read for every text a customer sends (is a ticket open?).
_LATEST_REQUEST = (select(SupportRequest).where(SupportRequest.user_id == bindparam("user_id"))
                   .order_by(SupportRequest.id.desc()).limit(1))


class SupportRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def open(self, user_id: int, text: str, context: str | None) -> SupportRequest:
        request = SupportRequest(user_id=user_id, text=text, context=context)
        self._session.add(request)
        return request

    async def attach_staff_message(self, request_id: int, staff_message_id: int) -> None:
        request = await self._session.get(SupportRequest, request_id)
        if request is not None:
            request.staff_message_id = staff_message_id

    async def by_staff_message(self, staff_message_id: int) -> SupportRequest | None:
        result = await self._session.scalars(
            select(SupportRequest).where(SupportRequest.staff_message_id == staff_message_id)
        )
        return result.first()

    async def for_user(self, user_id: int) -> Sequence[SupportRequest]:
        result = await self._session.scalars(
            select(SupportRequest).where(SupportRequest.user_id == user_id).order_by(SupportRequest.id)
        )
        return result.all()

    async def get(self, request_id: int) -> SupportRequest | None:
        return await self._session.get(SupportRequest, request_id)

    async def latest(self, user_id: int) -> SupportRequest | None:
        """The customer's newest ticket, open or closed."""
        return (await self._session.scalars(_LATEST_REQUEST, {"user_id": user_id})).first()

    async def waiting(self, since_before: datetime, limit: int = 100) -> Sequence[SupportRequest]:
        """Open tickets whose customer has waited for a person since before `since_before`."""
        result = await self._session.scalars(
            select(SupportRequest).where(SupportRequest.status == "open", SupportRequest.waiting_since.is_not(None),
                                         SupportRequest.waiting_since <= since_before)
            .order_by(SupportRequest.waiting_since).limit(limit))
        return result.all()

    def relayed(self, **fields: Any) -> SupportMessage:
        message = SupportMessage(**fields)
        self._session.add(message)
        return message

    async def relayed_message(self, message_id: int) -> SupportMessage | None:
        return await self._session.get(SupportMessage, message_id)

    async def relayed_by_staff_message(self, staff_message_id: int) -> SupportMessage | None:
        result = await self._session.scalars(select(SupportMessage).where(
            SupportMessage.staff_message_id == staff_message_id).order_by(SupportMessage.id.desc()).limit(1))
        return result.first()

    async def relayed_by_customer_message(self, request_ids: Sequence[int],
                                          customer_message_id: int) -> SupportMessage | None:
        result = await self._session.scalars(select(SupportMessage).where(
            SupportMessage.request_id.in_(request_ids),
            SupportMessage.customer_message_id == customer_message_id).order_by(SupportMessage.id.desc()).limit(1))
        return result.first()

    async def topic(self, user_id: int) -> SupportTopic | None:
        return await self._session.get(SupportTopic, user_id)

    async def topic_by_thread(self, chat_id: int, thread_id: int) -> SupportTopic | None:
        result = await self._session.scalars(select(SupportTopic).where(
            SupportTopic.chat_id == chat_id, SupportTopic.thread_id == thread_id))
        return result.first()

    def add_topic(self, **fields: Any) -> SupportTopic:
        topic = SupportTopic(**fields)
        self._session.add(topic)
        return topic

    def record_staff_action(self, staff_user_id: int, action: str, request_id: int | None = None,
                            **details: Any) -> StaffAction:
        entry = StaffAction(staff_user_id=staff_user_id, action=action, request_id=request_id, details=details)
        self._session.add(entry)
        return entry

    async def staff_actions(self) -> Sequence[StaffAction]:
        return (await self._session.scalars(select(StaffAction).order_by(StaffAction.id))).all()


_APPLICATION_BY_ID = ById(PolicyApplication)
_LATEST_SIGNED = (select(PolicyApplication)
                  .where(PolicyApplication.user_id == bindparam("user_id"), PolicyApplication.signed_at.is_not(None))
                  .order_by(PolicyApplication.signed_at.desc()).limit(1))


class Applications:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def start(self, user_id: int, product_code: str, answers: dict[str, Any], source: str | None) -> PolicyApplication:
        application = PolicyApplication(user_id=user_id, product_code=product_code, answers=answers, source=source)
        self._session.add(application)
        return application

    async def get(self, application_id: int) -> PolicyApplication | None:
        return await _APPLICATION_BY_ID(self._session, application_id)

    async def get_for_user(self, user_id: int, application_id: int) -> PolicyApplication | None:
        application = await self.get(application_id)
        return application if application is not None and application.user_id == user_id else None

    async def latest_signed(self, user_id: int) -> PolicyApplication | None:
        """The newest signed application: what the bot already knows of the buyer."""
        return (await self._session.scalars(_LATEST_SIGNED, {"user_id": user_id})).first()


class SigningCodes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, **fields: Any) -> SigningCode:
        code = SigningCode(**fields)
        self._session.add(code)
        return code

    async def for_application(self, application_id: int) -> Sequence[SigningCode]:
        result = await self._session.scalars(
            select(SigningCode).where(SigningCode.application_id == application_id).order_by(SigningCode.id)
        )
        return result.all()


class Payments:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_application(self, application_id: int) -> Payment | None:
        result = await self._session.scalars(select(Payment).where(Payment.application_id == application_id))
        return result.first()

    async def by_charge(self, telegram_charge_id: str) -> Payment | None:
        result = await self._session.scalars(select(Payment).where(Payment.telegram_charge_id == telegram_charge_id))
        return result.first()

    def record(self, **fields: Any) -> Payment:
        payment = Payment(**fields)
        self._session.add(payment)
        return payment


_POLICY_BY_ID = ById(Policy)
_USERS_POLICIES = (select(Policy).where(Policy.user_id == bindparam("user_id"))
                   .order_by(Policy.issued_at.desc(), Policy.id.desc()))


class Policies:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def issue(self, **fields: Any) -> Policy:
        policy = Policy(**fields)
        self._session.add(policy)
        return policy

    async def for_user(self, user_id: int) -> Sequence[Policy]:
        return (await self._session.scalars(_USERS_POLICIES, {"user_id": user_id})).all()

    async def get(self, policy_id: int) -> Policy | None:
        return await _POLICY_BY_ID(self._session, policy_id)

    async def get_for_user(self, user_id: int, policy_id: int) -> Policy | None:
        policy = await self.get(policy_id)
        return policy if policy is not None and policy.user_id == user_id else None

    async def for_application(self, application_id: int) -> Policy | None:
        result = await self._session.scalars(select(Policy).where(Policy.application_id == application_id))
        return result.first()

    async def by_number(self, number: str) -> Policy | None:
        return (await self._session.scalars(select(Policy).where(Policy.number == number))).first()


_CLAIM_BY_ID = ById(Claim)
_USERS_CLAIMS = (select(Claim).where(Claim.user_id == bindparam("user_id"))
                 .order_by(Claim.reported_at.desc(), Claim.id.desc()))


class Claims:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def register(self, **fields: Any) -> Claim:
        """A new claim with its number (unique by construction: from the row id)."""
        claim = Claim(**fields)
        self._session.add(claim)
        await self._session.flush()
        claim.number = f"CLM-{claim.reported_at.year}-{claim.id:06d}"
        self.note(claim.id, "registered")
        return claim

    async def get(self, claim_id: int) -> Claim | None:
        return await _CLAIM_BY_ID(self._session, claim_id)

    async def get_for_user(self, user_id: int, claim_id: int) -> Claim | None:
        claim = await self.get(claim_id)
        return claim if claim is not None and claim.user_id == user_id else None

    async def by_number(self, number: str) -> Claim | None:
        return (await self._session.scalars(select(Claim).where(Claim.number == number))).first()

    async def for_user(self, user_id: int) -> Sequence[Claim]:
        return (await self._session.scalars(_USERS_CLAIMS, {"user_id": user_id})).all()

    async def all(self) -> Sequence[Claim]:
        return (await self._session.scalars(select(Claim).order_by(Claim.id))).all()

    async def due_reminders(self, now: datetime, limit: int = 100) -> Sequence[Claim]:
        result = await self._session.scalars(
            select(Claim).where(Claim.next_reminder_at.is_not(None), Claim.next_reminder_at <= now,
                                Claim.status.in_(("registered", "documents_requested"))).order_by(Claim.next_reminder_at).limit(limit))
        return result.all()

    def note(self, claim_id: int, kind: str, **details: Any) -> ClaimEvent:
        event = ClaimEvent(claim_id=claim_id, kind=kind, details=details)
        self._session.add(event)
        return event

    async def timeline(self, claim_id: int) -> Sequence[ClaimEvent]:
        result = await self._session.scalars(
            select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.at, ClaimEvent.id))
        return result.all()

    async def documents(self, claim_id: int) -> Sequence[ClaimDocument]:
        result = await self._session.scalars(
            select(ClaimDocument).where(ClaimDocument.claim_id == claim_id).order_by(ClaimDocument.id))
        return result.all()

    async def attach(self, claim_id: int, item_code: str, sha256: str, **fields: Any) -> ClaimDocument | None:
        """Link a stored file to a checklist item; None when it was already there."""
        exists = await self._session.scalars(select(ClaimDocument.id).where(
            ClaimDocument.claim_id == claim_id, ClaimDocument.item_code == item_code, ClaimDocument.sha256 == sha256))
        if exists.first() is not None:
            return None
        document = ClaimDocument(claim_id=claim_id, item_code=item_code, sha256=sha256, **fields)
        self._session.add(document)
        await self._session.flush()
        return document


class ClaimOriginals:
    """Originals the insurer confirmed holding, per claim and checklist item."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_claim(self, claim_id: int) -> Sequence[ClaimOriginal]:
        result = await self._session.scalars(
            select(ClaimOriginal).where(ClaimOriginal.claim_id == claim_id).order_by(ClaimOriginal.id))
        return result.all()

    async def confirm(self, claim_id: int, item_code: str, confirmed_by: str) -> ClaimOriginal | None:
        """Record the confirmation; None when this item was already confirmed."""
        existing = await self._session.scalars(select(ClaimOriginal.id).where(
            ClaimOriginal.claim_id == claim_id, ClaimOriginal.item_code == item_code))
        if existing.first() is not None:
            return None
        original = ClaimOriginal(claim_id=claim_id, item_code=item_code, confirmed_by=confirmed_by,
                                 confirmed_at=utcnow())
        self._session.add(original)
        await self._session.flush()
        return original


class TerminationRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, **fields: Any) -> TerminationRequest:
        request = TerminationRequest(requested_at=utcnow(), **fields)
        self._session.add(request)
        await self._session.flush()
        return request

    async def for_policy(self, policy_id: int) -> Sequence[TerminationRequest]:
        result = await self._session.scalars(
            select(TerminationRequest).where(TerminationRequest.policy_id == policy_id)
            .order_by(TerminationRequest.id))
        return result.all()


@functools.cache
def _step_query(consent: tuple[str, str] | None) -> Select[Any]:
    """`UnitOfWork.load_step`'s statement, built once per consent asked for."""
    user_id = bindparam("user_id")
    waiting = exists().where(OutgoingMessage.sent_at.is_(None), OutgoingMessage.chat_id == user_id)
    query = (select(User, _DIALOGS.c.state, _DIALOGS.c.data, _SCREENS.c.user_id, _SCREENS.c.message_id,
                    _SCREENS.c.retired, waiting).select_from(User)
             .outerjoin(_DIALOGS, _DIALOGS.c.user_id == User.id).outerjoin(_SCREENS, _SCREENS.c.user_id == User.id)
             .where(User.id == user_id))
    if consent is not None:
        kind, scope = consent
        active = (select(func.max(Consent.id)).where(
            Consent.user_id == user_id, Consent.kind == kind, Consent.scope == scope,
            Consent.withdrawn_at.is_(None)).scalar_subquery())
        query = query.add_columns(Consent).outerjoin(Consent, Consent.id == active)
    return query


@dataclass
class StepStart:
    """What a step starts from, read in one round trip (`UnitOfWork.load_step`)."""

    user: User | None
    dialog: SavedDialog | None
    screen: SavedScreen | None
    chat_waiting: bool  # the user's chat has an unsent reply: new ones go after it


class UnitOfWork:
    """`async with UnitOfWork(factory) as uow:` ... `await uow.commit()`.

    Leaving the block without commit rolls everything back.
    """

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.users = Users(self.session)
        self.consents = Consents(self.session)
        self.dialogs = Dialogs(self.session)
        self.screens = ChatScreens(self.session)
        self.outbox = Outbox(self.session)
        self.support = SupportRequests(self.session)
        self.applications = Applications(self.session)
        self.signing_codes = SigningCodes(self.session)
        self.payments = Payments(self.session)
        self.policies = Policies(self.session)
        self.claims = Claims(self.session)
        self.originals = ClaimOriginals(self.session)
        self.terminations = TerminationRequests(self.session)
        self.partners = Partners(self.session)
        self.idempotency = IdempotentRequests(self.session)
        self.partner_events = PartnerEvents(self.session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.session.rollback()
        await self.session.close()

    async def load_step(self, user_id: int, consent: tuple[str, str] | None) -> StepStart:
        """The user, their dialog and screen, their active `consent` (kind, scope; then
        known to `consents.active`) and whether their chat has an unsent reply: one
        statement."""
        row = (await self.session.execute(_step_query(consent), {"user_id": user_id})).first()
        if row is None:  # a user not seen before has no dialog or screen either
            self.dialogs.loaded(user_id, None)
            self.screens.loaded(user_id, None)
            return StepStart(None, None, None, False)
        user, state, data, screen_row, message_id, retired, chat_waiting = row[:7]
        if consent is not None:
            self.consents.remember_active(user_id, *consent, row[7])
        dialog = SavedDialog(state, data) if state is not None else None
        screen = SavedScreen(message_id, list(retired)) if screen_row is not None else None
        self.dialogs.loaded(user_id, dialog)
        self.screens.loaded(user_id, screen)
        return StepStart(user, dialog, screen, bool(chat_waiting))

    async def commit(self) -> None:
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()
