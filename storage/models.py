"""SQLAlchemy 2 models. Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.crypto import EncryptedJSON, EncryptedText


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class User(Base):
    """A person who wrote to the bot; `id` is their Telegram user id."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    telegram_language_code: Mapped[str | None] = mapped_column(String(16))
    first_name: Mapped[str | None] = mapped_column(String(128))
    last_name: Mapped[str | None] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Consent(Base):
    """One consent given by a user: which text, in which language, and when.

    The exact text shown is identified by its version and SHA-256, so the
    insurer can prove what the person agreed to.
    """

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_user_kind", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    text_version: Mapped[str] = mapped_column(String(32))
    text_sha256: Mapped[str] = mapped_column(String(64))
    given_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class Dialog(Base):
    """Where a user is in a conversation: a state name and the answers so far.

    Written in the same transaction as everything else an update changes, so a
    restart resumes the user exactly where they were.
    """

    __tablename__ = "dialogs"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutgoingMessage(Base):
    """A reply written in the update's transaction and sent after commit.

    `sent_at` stays empty until Telegram accepted it, so a crash between commit
    and send is repaired by sending what is still pending.
    """

    __tablename__ = "outbox"
    # ix_outbox_unpurged: the purge finds sent rows still holding personal data without
    # reading the purged ones again.
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),
                      Index("ix_outbox_unpurged", "purged_at", "sent_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # reliability: when to try again (backoff, Telegram's retry_after), when a
    # sender took it (a crash after that may send it once more, recorded), when
    # it was given up on, and when its personal data was purged after sending.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    in_flight_at: Mapped[datetime | None] = mapped_column(default=None)
    given_up_at: Mapped[datetime | None] = mapped_column(default=None)
    purged_at: Mapped[datetime | None] = mapped_column(default=None)


class SupportRequest(Base):
    """A ticket: a customer asked for a person; staff take over the chat until
    they close it (`status` open/closed), and the customer rates it."""

    __tablename__ = "support_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(EncryptedText)
    context: Mapped[str | None] = mapped_column(String(64))
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    # When the customer started waiting for a person (None: the last word was staff's).
    waiting_since: Mapped[datetime | None] = mapped_column(default=None, index=True)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)


class PolicyApplication(Base):
    """A purchase in progress or done: the answers, the quote, the signature.

    `answers` holds the form fields as the buyer gave them (ISO dates, amounts
    as strings) and the eligibility declarations, so a half-filled application
    survives anything and can be resumed.
    """

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="draft")
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON, default=dict)
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    quote: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(EncryptedText)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    source: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SigningCode(Base):
    """A one-time code sent to sign one version of an application document."""

    __tablename__ = "signing_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 with the data key
    document_sha256: Mapped[str] = mapped_column(String(64))
    sent_to: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class Payment(Base):
    """The premium paid for one application; unique per application and per
    Telegram charge, so a redelivered payment never issues a second policy."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    telegram_charge_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    provider_charge_id: Mapped[str | None] = mapped_column(String(128))
    confirmed_by: Mapped[int | None] = mapped_column(BigInteger)
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)


class Policy(Base):
    """An issued policy. Money is kept in minor units (tiyn, tyiyn)."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    product_code: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="active")
    holder_name: Mapped[str] = mapped_column(String(128))
    cover_option: Mapped[str] = mapped_column(String(48))
    currency: Mapped[str] = mapped_column(String(3))
    sum_insured_minor: Mapped[int] = mapped_column(BigInteger)
    premium_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    cover_start: Mapped[date] = mapped_column(Date)
    cover_end: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    certificate_sha256: Mapped[str] = mapped_column(String(64))


class Claim(Base):
    """A reported insured event. Registered always, late or not: the insurer decides."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    product_code: Mapped[str] = mapped_column(String(32))
    reporter_relation: Mapped[str] = mapped_column(String(16))
    event_type: Mapped[str] = mapped_column(String(32))
    disability_group: Mapped[int | None] = mapped_column(Integer)
    event_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(EncryptedText)
    contact_phone: Mapped[str] = mapped_column(EncryptedText)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    reporting_deadline: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(default=False)
    days_late: Mapped[int] = mapped_column(Integer, default=0)
    outside_cover: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="registered")
    documents_complete_at: Mapped[datetime | None] = mapped_column(default=None)
    next_reminder_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    # Seeds (issue 12): the date disability was set (Nomad Life rules 9.3, SAKBOL
    # offer terms (и)), and the clause when the event is not in the option bought.
    disability_set_on: Mapped[date | None] = mapped_column(Date, default=None)
    outside_option: Mapped[str | None] = mapped_column(String(64), default=None)


class ClaimDocument(Base):
    """A file delivered for one checklist item; the bytes live in the document
    store under their SHA-256, so the same file is stored once."""

    __tablename__ = "claim_documents"
    __table_args__ = (UniqueConstraint("claim_id", "item_code", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(48))
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str | None] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClaimEvent(Base):
    """The claim's timeline, as the customer and the claims team see it."""

    __tablename__ = "claim_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


# ---- Seeds (issue 12): originals confirmed by the insurer, early termination requests ----


class ClaimOriginal(Base):
    """The insurer confirmed it holds the original (or notarised copy) of one
    checklist item (Nomad Life rules 10.1, 10.2): who confirmed it, and how."""

    __tablename__ = "claim_originals"
    __table_args__ = (UniqueConstraint("claim_id", "item_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(48))
    confirmed_by: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TerminationRequest(Base):
    """A customer's request to end a policy early ("I repaid my loan early",
    "cancel my policy"), with the refund and the clause shown before they confirmed."""

    __tablename__ = "termination_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    repaid_on: Mapped[date | None] = mapped_column(Date, default=None)
    effective_on: Mapped[date] = mapped_column(Date)
    rule_code: Mapped[str] = mapped_column(String(48))
    clause: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    premium_minor: Mapped[int] = mapped_column(BigInteger)
    expenses_minor: Mapped[int] = mapped_column(BigInteger)
    refund_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---- chat: the current screen (issue 14) ------------------------------------


class ChatScreen(Base):
    """The one message in a user's chat that the bot may still edit (the current
    navigation screen), and the earlier screens whose buttons are retired.

    Receipts are never recorded here: they are never edited."""

    __tablename__ = "chat_screens"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    retired: Mapped[list[int]] = mapped_column(JSON, default=list)


# ---- telemedicine (issue 11: Dariger Online, Nomad Life rules 7.12, 9.5, Appendix 1) ----

class TelemedicineDoctor(Base):
    """A doctor of the medical organisation: the embedded provider's roster."""

    __tablename__ = "telemedicine_doctors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    speciality: Mapped[str] = mapped_column(String(32), index=True)
    on_duty: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class TelemedicineHours(Base):
    """A doctor's published working hours on one weekday, in Kazakhstan time."""

    __tablename__ = "telemedicine_hours"
    __table_args__ = (UniqueConstraint("doctor_id", "weekday", "start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("telemedicine_doctors.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))


class Consultation(Base):
    """One telemedicine consultation, urgent (duty queue) or planned (a booked slot).

    `slot_key` ("doctor:start") is unique while the booking holds the slot, so two
    customers can never hold the same slot; a cancellation frees it. `counted_as`
    records a consultation that counts as given against the policy (rules 7.12).
    """

    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_reminder", "next_reminder_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id"), index=True)
    urgent: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str] = mapped_column(String(24))
    speciality: Mapped[str] = mapped_column(String(32))
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("telemedicine_doctors.id"))
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    slot_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    # Personal data, encrypted at rest (issue 8); conclusion_text and complaint are Text
    # columns from the start and encrypted the same way.
    phone: Mapped[str] = mapped_column(EncryptedText)
    patient_name: Mapped[str] = mapped_column(EncryptedText)
    birth_date: Mapped[date | None] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8))
    queue_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    connected_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_calls: Mapped[int] = mapped_column(Integer, default=0)
    join_link: Mapped[str | None] = mapped_column(String(256))
    counted_as: Mapped[str | None] = mapped_column(String(24))
    conclusion_text: Mapped[str | None] = mapped_column(EncryptedText)
    conclusion_sha256: Mapped[str | None] = mapped_column(String(64))
    conclusion_name: Mapped[str | None] = mapped_column(String(128))
    complaint: Mapped[str | None] = mapped_column(EncryptedText)
    complained_at: Mapped[datetime | None] = mapped_column(default=None)
    next_reminder_at: Mapped[datetime | None] = mapped_column(default=None)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)


class ConsultationDocument(Base):
    """A file the patient sent before or during a consultation (earlier diagnoses,
    allergies, test results); the bytes live in the document store."""

    __tablename__ = "consultation_documents"
    __table_args__ = (UniqueConstraint("consultation_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    size: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str | None] = mapped_column(String(128))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Support desk (issue 10): forum topics, relayed messages, staff actions ---


class SupportTopic(Base):
    """The staff forum topic of one customer, reused for all their tickets."""

    __tablename__ = "support_topics"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True, autoincrement=False)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # Known once Telegram created the topic (the outbox hook records it).
    thread_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    title: Mapped[str] = mapped_column(String(128))
    closed: Mapped[bool] = mapped_column(default=False)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SupportMessage(Base):
    """One message relayed between a customer and the staff chat: both ids, so
    an edit on either side can be relayed as an edit; who answered."""

    __tablename__ = "support_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(12))  # "to_staff" or "to_customer"
    kind: Mapped[str] = mapped_column(String(16))
    customer_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    staff_message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    staff_user_id: Mapped[int | None] = mapped_column(BigInteger)
    staff_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffAction(Base):
    """Who among the staff did what: answers, canned answers, closing, /paid, lookups."""

    __tablename__ = "staff_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)
# --- reliability: the durable inbox -------------------------------------------------------


class InboxUpdate(Base):
    """A Telegram update, committed before it is acknowledged, then processed from here.

    `digest` (keyed hash of the update) tells a redelivery (same id, same
    content: skipped) from a new update that reuses an old id (stored). The
    payload is encrypted and cleared once processed. `claimed_by` / `claimed_at`
    let several workers share one inbox: a worker claims a user's rows
    (PostgreSQL: `FOR UPDATE SKIP LOCKED`) and no other worker takes that
    user's rows while the claim is fresh.
    """

    __tablename__ = "inbox"
    # An update stored once (a redelivery is skipped by this index, see `Inbox.store_claimed`).
    __table_args__ = (Index("ix_inbox_pending", "processed_at", "id"),
                      Index("uq_inbox_update", "update_id", "digest", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)


class SendSlot(Base):
    """One bucket of Telegram's sending limits, shared by every worker (PostgreSQL):
    `tat` is the earliest time (epoch seconds, the database's clock) the bucket's next
    message may go past its burst, `last_at` when the last message reserved may go.
    Keys: "overall", and "chat:<id>" (pruned when idle)."""

    __tablename__ = "send_slots"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)
    last_at: Mapped[float] = mapped_column(Float)
# --- partner API (issue 9): partners, idempotency keys, events to partners ------------


class Partner(Base):
    """An insurer, telemedicine provider or bank using the API: only the SHA-256 of
    its key is kept; `products` limits what it sees; its webhook secret signs events."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    webhook_url: Mapped[str | None] = mapped_column(String(512))
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class IdempotentRequest(Base):
    """A partner's POST under an `Idempotency-Key` and the answer it got (Stripe's
    semantics): the same key and body get the same answer again."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("partner_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerEvent(Base):
    """An event for one partner, written in the transaction that caused it and
    delivered to its webhook from here (retried with backoff for days); the
    partner can read them again with `GET /api/v1/events?after=ID`."""

    __tablename__ = "partner_events"
    __table_args__ = (Index("ix_partner_events_pending", "partner_id", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(48))
    claim_number: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    given_up_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(300))
