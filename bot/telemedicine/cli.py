"""`python -m bot telemedicine ...`: a person plays the clinic of the embedded provider.

Each command runs one operation of `bot.telemedicine.service` in one transaction;
what the patient must read is written to the outbox and sent by the running bot.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from bot.settings import Settings
from bot.telemedicine import service
from storage.db import create_engine, migrate, session_factory
from storage.documents import DocumentStore
from storage.unit_of_work import UnitOfWork

T = TypeVar("T")


async def run(settings: Settings, operation: Callable[[UnitOfWork, DocumentStore], Awaitable[T]]) -> T:
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with UnitOfWork(session_factory(engine)) as uow:
            result = await operation(uow, DocumentStore(settings.data_dir / "documents"))
            await uow.commit()
            return result
    finally:
        await engine.dispose()


def table(rows: list[dict[str, Any]], empty: str) -> str:
    if not rows:
        return empty
    columns = list(rows[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


async def execute(settings: Settings, args: Any) -> str:
    """The command's output; service.ClinicError for a bad argument."""
    action = args.action
    if action == "doctor":
        doctor = await run(settings, lambda uow, _s: service.add_doctor(uow, args.name, args.speciality, args.duty))
        return f"doctor {doctor.id}: {doctor.name}, {doctor.speciality}{' (on duty)' if doctor.on_duty else ''}"
    if action == "duty":
        doctor = await run(settings, lambda uow, _s: service.set_duty(uow, args.doctor, args.state == "on"))
        return f"doctor {doctor.id}: {doctor.name} is {'on' if doctor.on_duty else 'off'} duty"
    if action == "hours":
        days = await run(settings, lambda uow, _s: service.publish_hours(uow, args.doctor, args.days, args.hours))
        return f"doctor {args.doctor}: {args.hours} on {', '.join(service.WEEKDAYS[d] for d in days)} (UTC+5)"
    if action == "sample-roster":
        doctors = await run(settings, lambda uow, _s: service.add_sample_roster(uow))
        return f"{len(doctors)} doctors added with their hours; see: python -m bot telemedicine roster"
    listings = {"roster": (service.roster_rows, "no doctors"), "queue": (service.queue_rows, "nobody is waiting"),
                "bookings": (service.booking_rows, "no bookings")}
    if action in listings:
        operation, empty = listings[action]
        rows = await run(settings, lambda uow, _s: operation(uow))
        return json.dumps(rows, indent=2, ensure_ascii=False) if args.json else table(rows, empty)
    if action == "next":
        consultation = await run(settings, lambda uow, _s: service.connect_next(uow, args.doctor, args.link))
        return f"{consultation.number}: connected; call {consultation.phone} ({consultation.patient_name})"
    if action == "connect":
        consultation = await run(settings, lambda uow, _s: service.connect(uow, args.number, args.link))
        return f"{consultation.number}: connected; call {consultation.phone} ({consultation.patient_name})"
    if action == "call-failed":
        consultation = await run(settings, lambda uow, _s: service.call_failed(uow, args.number))
        return f"{consultation.number}: {consultation.failed_calls} failed call(s), {consultation.status}"
    if action == "finish":
        content, name = None, None
        if args.file is not None:
            path = Path(args.file)
            try:
                content, name = path.read_bytes(), path.name
            except OSError as exc:
                raise service.ClinicError(f"cannot read {args.file}: {exc.strerror}") from None
        consultation = await run(settings, lambda uow, store: service.finish(uow, store, args.number, args.text,
                                                                          content, name))
        return f"{consultation.number}: conclusion sent, {consultation.status}"
    if action == "documents":
        if args.output is not None and not args.output.is_dir():
            raise service.ClinicError(f"no folder {args.output}")
        rows = await run(settings, lambda uow, store: service.document_rows(uow, store, args.number, args.output))
        return json.dumps(rows, indent=2, ensure_ascii=False) if args.json else table(rows, "no documents")
    raise service.ClinicError(f"unknown action {action!r}")


def add_parser(commands: Any) -> Any:
    telemedicine = commands.add_parser("telemedicine", help="play the clinic of the embedded Dariger Online provider")
    actions = telemedicine.add_subparsers(dest="action", required=True)
    doctor = actions.add_parser("doctor", help="add a doctor to the roster")
    doctor.add_argument("--name", required=True)
    doctor.add_argument("--speciality", required=True, help="therapist, paediatrician, cardiologist, ...")
    doctor.add_argument("--duty", action="store_true", help="on duty for urgent consultations")
    duty = actions.add_parser("duty", help="a therapist or paediatrician comes on or goes off duty")
    duty.add_argument("--doctor", required=True, type=int)
    duty.add_argument("state", choices=("on", "off"))
    hours = actions.add_parser("hours", help="publish a doctor's weekly working hours (Kazakhstan time, UTC+5)")
    hours.add_argument("--doctor", required=True, type=int)
    hours.add_argument("--days", required=True, help="mon-fri, sat,sun or daily")
    hours.add_argument("--hours", required=True, help="e.g. 09:00-13:30")
    actions.add_parser("sample-roster", help="a sample roster (duty therapist and paediatrician, six specialists) "
                                             "with hours, to try the service")
    for name, text in (("roster", "doctors and their hours"), ("queue", "the urgent queue"),
                       ("bookings", "planned consultations from yesterday on")):
        listing = actions.add_parser(name, help=text)
        listing.add_argument("--json", action="store_true")
    take = actions.add_parser("next", help="a duty doctor takes the next urgent patient")
    take.add_argument("--doctor", required=True, type=int)
    take.add_argument("--link", default=None, help="where the patient joins (video room); else the doctor calls")
    connect = actions.add_parser("connect", help="the doctor connects to a booked consultation")
    connect.add_argument("number")
    connect.add_argument("--link", default=None)
    failed = actions.add_parser("call-failed", help="a call did not get through (the third closes it)")
    failed.add_argument("number")
    finish = actions.add_parser("finish", help="send the written conclusion (text, optionally a file)")
    finish.add_argument("number")
    finish.add_argument("--text", required=True)
    finish.add_argument("--file", default=None, help="PDF, JPEG, PNG or HEIC")
    documents = actions.add_parser("documents", help="the patient's files for a consultation")
    documents.add_argument("number")
    documents.add_argument("--json", action="store_true")
    documents.add_argument("--output", type=Path, default=None, help="folder to write the files to, readable")
    return telemedicine
