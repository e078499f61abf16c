"""The telemedicine provider port (Dariger Online, Nomad Life rules Appendix 1).

The bot asks the provider for free slots and tells it about bookings,
cancellations and the patient's documents; the provider (the medical
organisation) connects doctors, reports failed calls and sends conclusions.
Both directions go through `bot.telemedicine.service`, one set of operations
that the clinic CLI (`python -m bot telemedicine ...`) calls today and the
partner API (a partner of kind `telemedicine`) will call later, so both run
the same rules (insurance.telemedicine).

`EmbeddedClinic` is the default that works offline: the roster of doctors,
their specialities and weekly working hours live in the database, slots are
generated from them, and urgent patients wait in a duty queue. A real
provider implements `TelemedicineProvider` by sending signed events to the
partner (as outbox rows) and reading the availability it published.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol

from insurance import telemedicine as rules
from storage.models import Consultation, TelemedicineDoctor
from storage.partners import TELEMEDICINE_PROVIDERS
from storage.telemedicine import Telemedicine
from storage.unit_of_work import UnitOfWork


class TelemedicineProvider(Protocol):
    async def open_slots(self, uow: UnitOfWork, speciality: str, day: date,
                         now: datetime) -> list[tuple[datetime, TelemedicineDoctor]]:
        """Free slot starts (UTC) on a local day, one doctor each, earliest first."""

    async def notify(self, uow: UnitOfWork, consultation: Consultation, event: str) -> None:
        """`booked`, `queued`, `cancelled` or `document`: what the clinic must know."""


class EmbeddedClinic:
    """The offline default: roster and hours in the database; the clinic reads its
    queue and bookings from it (the CLI, the sandbox pane, or the partner API), and a
    provider registered as a partner of kind `telemedicine` is also sent a signed event
    for each queued, booked or cancelled consultation and each document (no personal
    data in it: the provider reads the patient from `GET /api/v1/telemedicine/...`)."""

    async def open_slots(self, uow: UnitOfWork, speciality: str, day: date,
                         now: datetime) -> list[tuple[datetime, TelemedicineDoctor]]:
        repo = Telemedicine(uow.session)
        start = datetime.combine(day, datetime.min.time(), rules.LOCAL_ZONE)
        offered: dict[datetime, TelemedicineDoctor] = {}
        for doctor in await repo.doctors(speciality=speciality):
            taken = await repo.taken(doctor.id, start, start + timedelta(days=1))
            for moment in rules.slots(day, await repo.hours(doctor.id), taken, now):
                offered.setdefault(moment, doctor)
        return sorted(offered.items(), key=lambda item: item[0])

    async def notify(self, uow: UnitOfWork, consultation: Consultation, event: str) -> None:
        policy = await uow.policies.get(consultation.policy_id)
        await uow.partner_events.emit(policy.product_code, f"consultation.{event}", {
            "number": consultation.number, "kind": consultation.kind, "speciality": consultation.speciality,
            "urgent": consultation.urgent, "doctor_id": consultation.doctor_id, "status": consultation.status,
            "starts_at": consultation.starts_at.isoformat() if consultation.starts_at else None,
        }, kinds=TELEMEDICINE_PROVIDERS)


PROVIDER: TelemedicineProvider = EmbeddedClinic()
