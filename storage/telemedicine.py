"""Telemedicine repository: the roster, working hours, consultations and their files.

Kept beside the unit of work (`Telemedicine(uow.session)`) rather than in it, so
the journey's storage stays in one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from insurance.telemedicine import WorkingHours
from storage.models import Consultation, ConsultationDocument, OutgoingMessage, TelemedicineDoctor, TelemedicineHours

QUEUED = "queued"
BOOKED = "booked"
CONNECTED = "connected"
ACTIVE = (QUEUED, BOOKED, CONNECTED)


class Telemedicine:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # ---- roster ----
    def add_doctor(self, name: str, speciality: str, on_duty: bool) -> TelemedicineDoctor:
        doctor = TelemedicineDoctor(name=name, speciality=speciality, on_duty=on_duty, active=True)
        self._session.add(doctor)
        return doctor

    async def doctor(self, doctor_id: int) -> TelemedicineDoctor | None:
        return await self._session.get(TelemedicineDoctor, doctor_id)

    async def doctors(self, speciality: str | None = None, on_duty: bool | None = None) -> Sequence[TelemedicineDoctor]:
        query = select(TelemedicineDoctor).where(TelemedicineDoctor.active.is_(True))
        if speciality is not None:
            query = query.where(TelemedicineDoctor.speciality == speciality)
        if on_duty is not None:
            query = query.where(TelemedicineDoctor.on_duty.is_(on_duty))
        return (await self._session.scalars(query.order_by(TelemedicineDoctor.id))).all()

    async def set_hours(self, doctor_id: int, weekday: int, start: time, end: time) -> None:
        """Publish hours for one weekday, replacing what was published for it."""
        for old in (await self._session.scalars(select(TelemedicineHours).where(
                TelemedicineHours.doctor_id == doctor_id, TelemedicineHours.weekday == weekday))).all():
            await self._session.delete(old)
        await self._session.flush()
        self._session.add(TelemedicineHours(doctor_id=doctor_id, weekday=weekday, start=start.strftime("%H:%M"),
                                            end=end.strftime("%H:%M")))

    async def hours(self, doctor_id: int) -> list[WorkingHours]:
        rows = (await self._session.scalars(select(TelemedicineHours).where(
            TelemedicineHours.doctor_id == doctor_id).order_by(TelemedicineHours.weekday))).all()
        return [WorkingHours(r.weekday, time.fromisoformat(r.start), time.fromisoformat(r.end)) for r in rows]

    async def taken(self, doctor_id: int, since: datetime, until: datetime) -> list[datetime]:
        rows = await self._session.scalars(select(Consultation.starts_at).where(
            Consultation.doctor_id == doctor_id,
            Consultation.slot_key.is_not(None), Consultation.starts_at >= since, Consultation.starts_at < until))
        return [r for r in rows.all() if r is not None]

    # ---- consultations ----
    async def open(self, **fields: object) -> Consultation:
        consultation = Consultation(**fields)
        self._session.add(consultation)
        await self._session.flush()
        consultation.number = f"TM-{consultation.created_at.year}-{consultation.id:06d}"
        return consultation

    async def by_number(self, number: str) -> Consultation | None:
        return (await self._session.scalars(select(Consultation).where(Consultation.number == number))).first()

    async def slot_holder(self, slot_key: str) -> Consultation | None:
        return (await self._session.scalars(select(Consultation).where(Consultation.slot_key == slot_key))).first()

    async def get(self, consultation_id: int) -> Consultation | None:
        return await self._session.get(Consultation, consultation_id)

    async def get_for_user(self, user_id: int, consultation_id: int) -> Consultation | None:
        consultation = await self.get(consultation_id)
        return consultation if consultation is not None and consultation.user_id == user_id else None

    async def for_user(self, user_id: int) -> Sequence[Consultation]:
        return (await self._session.scalars(select(Consultation).where(Consultation.user_id == user_id)
                                            .order_by(Consultation.id.desc()))).all()

    async def active_urgent(self, user_id: int) -> Consultation | None:
        return (await self._session.scalars(select(Consultation).where(
            Consultation.user_id == user_id, Consultation.urgent.is_(True),
            Consultation.status.in_((QUEUED, CONNECTED))))).first()

    async def queue(self, speciality: str | None = None) -> Sequence[Consultation]:
        """The duty queue, first come first served."""
        query = select(Consultation).where(Consultation.urgent.is_(True), Consultation.status == QUEUED)
        if speciality is not None:
            query = query.where(Consultation.speciality == speciality)
        return (await self._session.scalars(query.order_by(Consultation.created_at, Consultation.id))).all()

    async def bookings(self, since: datetime | None = None, until: datetime | None = None) -> Sequence[Consultation]:
        query = select(Consultation).where(Consultation.urgent.is_(False))
        if since is not None:
            query = query.where(Consultation.starts_at >= since)
        if until is not None:
            query = query.where(Consultation.starts_at < until)
        return (await self._session.scalars(query.order_by(Consultation.starts_at, Consultation.id))).all()

    async def connected(self) -> Sequence[Consultation]:
        """Consultations in progress, the longest connected first."""
        return (await self._session.scalars(select(Consultation).where(Consultation.status == CONNECTED)
                                            .order_by(Consultation.connected_at, Consultation.id))).all()

    async def due_reminders(self, now: datetime, limit: int = 100) -> Sequence[Consultation]:
        return (await self._session.scalars(select(Consultation).where(
            Consultation.status == BOOKED, Consultation.next_reminder_at.is_not(None),
            Consultation.next_reminder_at <= now).order_by(Consultation.next_reminder_at).limit(limit))).all()

    async def counted_for_policy(self, policy_id: int) -> int:
        """Consultations counted as given against the policy (rules 7.12)."""
        return (await self._session.scalar(select(func.count(Consultation.id)).where(
            Consultation.policy_id == policy_id, Consultation.counted_as.is_not(None)))) or 0

    # ---- documents ----
    async def attach(self, consultation_id: int, sha256: str, **fields: object) -> bool:
        """Link a stored file to a consultation; False when it was already there."""
        exists = await self._session.scalars(select(ConsultationDocument.id).where(
            ConsultationDocument.consultation_id == consultation_id, ConsultationDocument.sha256 == sha256))
        if exists.first() is not None:
            return False
        self._session.add(ConsultationDocument(consultation_id=consultation_id, sha256=sha256, **fields))
        await self._session.flush()
        return True

    async def documents(self, consultation_id: int) -> Sequence[ConsultationDocument]:
        return (await self._session.scalars(select(ConsultationDocument).where(
            ConsultationDocument.consultation_id == consultation_id).order_by(ConsultationDocument.id))).all()

    async def export(self, user_id: int) -> list[dict[str, object]]:
        """The user's consultations as "My data" exports them."""
        rows = []
        for c in await self.for_user(user_id):
            rows.append({
                "number": c.number, "urgent": c.urgent, "kind": c.kind, "speciality": c.speciality,
                "status": c.status, "starts_at": c.starts_at.isoformat() if c.starts_at else None,
                "created_at": c.created_at.isoformat(), "phone": c.phone, "patient_name": c.patient_name,
                "counted_as": c.counted_as, "conclusion": c.conclusion_text, "conclusion_sha256": c.conclusion_sha256,
                "complaint": c.complaint, "documents": [{"sha256": d.sha256, "size": d.size}
                                                        for d in await self.documents(c.id)],
            })
        return rows

    async def pending_background_messages(self) -> int:
        """Messages written outside an update (the clinic's actions, reminders) not yet sent."""
        return (await self._session.scalar(select(func.count(OutgoingMessage.id)).where(
            OutgoingMessage.sent_at.is_(None), OutgoingMessage.update_id.is_(None)))) or 0
