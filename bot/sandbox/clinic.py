"""The clinic pane's HTTP side: a person plays the Dariger Online clinic from the sandbox page.

Each request runs one operation of `bot.telemedicine.service` (the same functions the clinic
CLI calls, so the same rules of Appendix 1) in one transaction of the running bot's
database, then wakes the bot's outbox so the patient reads the result at once; and, for the
sandbox only, issues the chosen user a sample Nomad Life patient (`bot.sandbox.sample_patient`)
so the journey can be played on the day. Attached by
`python -m bot sandbox` (`SandboxPage.clinic`); the page alone (`python -m bot.emulator
--page`) has none and says so.

Errors answer 400 with ``{"ok": false, "code", "description", "values"}``: the code and
values let the pane say it in its own language, the description is the English line the
CLI prints.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox import sample_patient
from bot.telemedicine import service
from insurance import telemedicine as rules
from storage.documents import DocumentStore
from storage.models import utcnow
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

T = TypeVar("T")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def failure(code: str, description: str, values: dict[str, Any] | None = None, http_status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "code": code, "description": description, "values": values or {}},
                             status=http_status, dumps=_dumps)


class BadInput(ValueError):
    def __init__(self, code: str, description: str, **values: Any) -> None:
        super().__init__(description)
        self.code, self.values = code, values


def _text(data: Any, name: str, *, required: bool = True) -> str:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise BadInput("missing", f"{name} is required", field=name)
        return ""
    if not isinstance(value, str):
        raise BadInput("bad_field", f"{name} must be text", field=name)
    return value.strip()


_LARGEST_ID = 2**63 - 1  # the database's BIGINT


def _id(data: Any, name: str, what: str) -> int:
    """A positive whole number (a JSON number or its digits as text)."""
    value = data.get(name)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if value is None or value == "":
        raise BadInput("missing", f"{name} is required", field=name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= _LARGEST_ID:
        raise BadInput("bad_field", f"{name} must be {what}", field=name)
    return value


def _doctor(data: Any) -> int:
    return _id(data, "doctor", "a doctor's id from the roster")


def _user(data: Any) -> int:
    return _id(data, "user", "a Telegram user id")


async def _form(request: web.Request) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            if value.filename:  # a form without a chosen file sends an empty, nameless part
                data[name] = (value.file.read(), value.filename)
        else:
            data[name] = value
    return data


class ClinicDesk:
    """The clinic's endpoints over the running bot's database and document store."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], documents: DocumentStore,
                 write_slots: asyncio.Semaphore | None = None, wake: Callable[[], None] | None = None) -> None:
        self.sessions = sessions
        self.documents = documents
        self.write_slots = write_slots or asyncio.Semaphore(1)
        self.wake = wake or (lambda: None)

    @classmethod
    def for_bot(cls, qamqor: Any) -> ClinicDesk:
        """Over a running `bot.app.QamqorBot`: its sessions, document store, write slots and outbox."""
        dispatcher = qamqor.dispatcher
        return cls(dispatcher.sessions, qamqor.documents, dispatcher.write_slots, dispatcher.wake_outbox)

    async def _run(self, operation: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        async with self.write_slots, UnitOfWork(self.sessions) as uow:
            result = await operation(uow)
            await uow.commit()
        self.wake()
        return result

    # ---- reading ----

    async def overview(self, request: web.Request) -> web.Response:
        """Everything the pane shows: roster and hours, duty queue, calls in progress, a day's bookings."""
        today = rules.local_today(utcnow())
        day_text = request.query.get("day", "").strip()
        try:
            day = date.fromisoformat(day_text) if day_text else today
        except ValueError:
            return failure("bad_day", f"day {day_text[:40]!r} is not a date (YYYY-MM-DD)", {"value": day_text[:40]})

        async def read(uow: UnitOfWork) -> dict[str, Any]:
            return {"roster": await service.roster_rows(uow), "queue": await service.queue_rows(uow),
                    "connected": await service.connected_rows(uow),
                    "bookings": await service.booking_rows(uow, day=day)}

        async with UnitOfWork(self.sessions) as uow:
            body = await read(uow)
        body.update(ok=True, zone=rules.ZONE_LABEL, today=today.isoformat(), day=day.isoformat(),
                    specialities=list(rules.SPECIALITIES), duty_specialities=list(rules.DUTY_SPECIALITIES),
                    failed_calls_to_close=rules.FAILED_CALLS_TO_CLOSE)
        return web.json_response(body, dumps=_dumps)

    # ---- acting ----

    async def act(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        handler = self._actions().get(action)
        if handler is None:
            return failure("unknown_action", f"no clinic action {action!r}", {"action": action[:40]}, 404)
        try:
            data = await self._body(request)
            result = await handler(data)
        except BadInput as bad:
            return failure(bad.code, str(bad), bad.values)
        except service.ClinicError as refused:
            return failure(refused.code, str(refused), refused.values)
        logger.info("sandbox clinic: %s", action)
        return web.json_response({"ok": True, "action": action, "result": result}, dumps=_dumps)

    def _actions(self) -> dict[str, Callable[[Any], Awaitable[dict[str, Any]]]]:
        return {"sample-roster": self._sample_roster, "hours": self._hours, "duty": self._duty,
                "next": self._next, "connect": self._connect, "call-failed": self._call_failed,
                "finish": self._finish, "sample-patient": self._sample_patient}

    async def _body(self, request: web.Request) -> Any:
        """Form data (the pane's conclusion with its file), else a JSON object, as the rest
        of the control API reads it (`curl -d '{...}'` sends JSON labelled as a form)."""
        if request.content_type == "multipart/form-data":
            return await _form(request)
        raw = await request.text()
        if request.content_type == "application/x-www-form-urlencoded" and not raw.lstrip().startswith(("{", "[")):
            return await _form(request)
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise BadInput("bad_body", "the request body must be JSON") from None
        if not isinstance(data, dict):
            raise BadInput("bad_body", "the request body must be a JSON object")
        return data

    async def _sample_roster(self, data: Any) -> dict[str, Any]:
        doctors = await self._run(service.add_sample_roster)
        return {"doctors": len(doctors)}

    async def _hours(self, data: Any) -> dict[str, Any]:
        doctor, days, hours = _doctor(data), _text(data, "days"), _text(data, "hours")
        published = await self._run(lambda uow: service.publish_hours(uow, doctor, days, hours))
        return {"doctor": doctor, "hours": hours, "days": [service.WEEKDAYS[d] for d in published]}

    async def _duty(self, data: Any) -> dict[str, Any]:
        doctor, on_duty = _doctor(data), data.get("on_duty")
        if not isinstance(on_duty, bool):
            raise BadInput("bad_field", "on_duty must be true or false", field="on_duty")
        changed = await self._run(lambda uow: service.set_duty(uow, doctor, on_duty))
        return {"doctor": changed.id, "on_duty": changed.on_duty}

    async def _next(self, data: Any) -> dict[str, Any]:
        doctor, link = _doctor(data), _text(data, "link", required=False)
        taken = await self._run(lambda uow: service.connect_next(uow, doctor, link or None))
        return {"number": taken.number, "patient": taken.patient_name, "phone": taken.phone}

    async def _connect(self, data: Any) -> dict[str, Any]:
        number, link = _text(data, "number"), _text(data, "link", required=False)
        taken = await self._run(lambda uow: service.connect(uow, number, link or None))
        return {"number": taken.number, "patient": taken.patient_name, "phone": taken.phone}

    async def _call_failed(self, data: Any) -> dict[str, Any]:
        number = _text(data, "number")
        called = await self._run(lambda uow: service.call_failed(uow, number))
        return {"number": called.number, "failed_calls": called.failed_calls, "status": called.status}

    async def _finish(self, data: Any) -> dict[str, Any]:
        number, text = _text(data, "number"), _text(data, "text", required=False)  # the service names it
        attached = data.get("file")
        if attached is not None and not isinstance(attached, tuple):
            raise BadInput("bad_field", "file must be an uploaded file", field="file")
        content, name = attached if attached else (None, None)
        finished = await self._run(lambda uow: service.finish(uow, self.documents, number, text, content, name))
        return {"number": finished.number, "status": finished.status, "file": finished.conclusion_name}

    async def _sample_patient(self, data: Any) -> dict[str, Any]:
        """Sandbox only: a sample Nomad Life policy in force since yesterday for `user`."""
        user = _user(data)
        policy = await self._run(lambda uow: sample_patient.issue(uow, self.documents, user, utcnow()))
        return {"user": user, "number": policy.number, "cover_start": policy.cover_start.isoformat(),
                "cover_end": policy.cover_end.isoformat(), "patient": policy.holder_name}
