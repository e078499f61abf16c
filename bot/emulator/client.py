"""Async client of the emulator's control API, for tests and the command line."""

from __future__ import annotations

from types import EllipsisType, TracebackType
from typing import Any

import httpx

JSON = dict[str, Any]


class EmulatorError(Exception):
    """The control API answered with a non-2xx status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


def _without_none(data: JSON) -> JSON:
    return {key: value for key, value in data.items() if value is not None}


class EmulatorClient:
    """Thin wrapper over ``/control/``: one method per endpoint, returning the decoded JSON."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._http = httpx.AsyncClient(base_url=f"{self.base_url}/control", timeout=timeout)

    async def __aenter__(self) -> EmulatorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: JSON | None = None,
        params: JSON | None = None,
        files: Any = None,
        data: JSON | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        response = await self._http.request(
            method,
            path,
            json=json,
            params=_without_none(params) if params else None,
            files=files,
            data=data,
            timeout=timeout if timeout is not None else self._timeout,
        )
        if not response.is_success:
            try:
                description = str(response.json().get("description", response.text))
            except ValueError:
                description = response.text
            raise EmulatorError(response.status_code, description)
        return response

    async def _object(self, method: str, path: str, **kwargs: Any) -> JSON:
        response = await self._call(method, path, **kwargs)
        data = response.json()
        if not isinstance(data, dict):
            raise EmulatorError(response.status_code, f"expected a JSON object, got {data!r}")
        return data

    async def _list(self, method: str, path: str, **kwargs: Any) -> list[JSON]:
        response = await self._call(method, path, **kwargs)
        data = response.json()
        if not isinstance(data, list):
            raise EmulatorError(response.status_code, f"expected a JSON array, got {data!r}")
        return data

    # Users and chats

    async def create_user(
        self,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
        phone_number: str | None = None,
    ) -> JSON:
        """``phone_number`` is kept for the user's own contact (``share_contact`` without one)."""
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "id": user_id,
            "phone_number": phone_number,
        }
        return await self._object("POST", "/users", json=_without_none(body))

    async def users(self) -> list[JSON]:
        return await self._list("GET", "/users")

    async def block(self, user_id: int, blocked: bool = True) -> JSON:
        return await self._object("POST", f"/users/{user_id}/block", json={"blocked": blocked})

    async def create_group(
        self,
        title: str,
        chat_id: int | None = None,
        chat_type: str = "group",
        bot_is_admin: bool = False,
        is_forum: bool = False,
    ) -> JSON:
        body = {"title": title, "id": chat_id, "type": chat_type, "bot_is_admin": bot_is_admin,
                "is_forum": is_forum}
        return await self._object("POST", "/chats", json=_without_none(body))

    async def chats(self) -> list[JSON]:
        return await self._list("GET", "/chats")

    async def chat(self, chat_id: int) -> JSON:
        return await self._object("GET", f"/chats/{chat_id}")

    async def events(
        self, chat_id: int, after: int = 0, wait: float = 0.0, min_count: int = 1
    ) -> JSON:
        """``{"events": [...], "last_seq": N}``; long-polls up to ``wait`` seconds."""
        return await self._object(
            "GET",
            f"/chats/{chat_id}/events",
            params={"after": after, "wait": wait, "min": min_count},
            timeout=wait + self._timeout,
        )

    async def messages(self, chat_id: int) -> list[JSON]:
        return await self._list("GET", f"/chats/{chat_id}/messages")

    # What users do

    async def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        reply_to_message_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        body = {
            "user_id": user_id,
            "text": text,
            "chat_id": chat_id,
            "reply_to_message_id": reply_to_message_id,
            "message_thread_id": message_thread_id,
        }
        return await self._object("POST", "/send", json=_without_none(body))

    async def press(
        self,
        user_id: int,
        message_id: int,
        data: str,
        forge: bool = False,
        chat_id: int | None = None,
    ) -> JSON:
        body = {
            "user_id": user_id,
            "message_id": message_id,
            "data": data,
            "forge": forge,
            "chat_id": chat_id,
        }
        return await self._object("POST", "/press", json=_without_none(body))

    async def share_contact(
        self,
        user_id: int,
        phone_number: str | None,
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | EllipsisType | None = ...,
        chat_id: int | None = None,
    ) -> JSON:
        """Share a contact; by default the sender's own, ``contact_user_id=None`` for none.

        ``phone_number=None`` uses the number stored with the contact's user.
        """
        body = _without_none(
            {
                "user_id": user_id,
                "phone_number": phone_number,
                "first_name": first_name,
                "last_name": last_name,
                "chat_id": chat_id,
            }
        )
        if contact_user_id is not ...:
            body["contact_user_id"] = contact_user_id
        return await self._object("POST", "/contact", json=body)

    async def upload(
        self,
        user_id: int,
        kind: str,
        filename: str,
        content: bytes,
        mime_type: str,
        caption: str | None = None,
        media_group_id: str | None = None,
        chat_id: int | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """Send a photo or document as the user (multipart upload)."""
        fields = _without_none(
            {
                "user_id": str(user_id),
                "kind": kind,
                "caption": caption,
                "media_group_id": media_group_id,
                "chat_id": str(chat_id) if chat_id is not None else None,
                "message_thread_id": str(message_thread_id) if message_thread_id is not None else None,
            }
        )
        return await self._object(
            "POST", "/upload", data=fields, files={"file": (filename, content, mime_type)}
        )

    async def pay(self, user_id: int, message_id: int, chat_id: int | None = None) -> JSON:
        body = {"user_id": user_id, "message_id": message_id, "chat_id": chat_id}
        return await self._object("POST", "/pay", json=_without_none(body))

    # Updates, failures, logs

    async def redeliver(self, update_id: int) -> JSON:
        return await self._object("POST", "/redeliver", json={"update_id": update_id})

    async def pending_updates(self) -> JSON:
        return await self._object("GET", "/updates")

    async def inject_error(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        count: int = 1,
    ) -> JSON:
        body = {
            "method": method,
            "error_code": error_code,
            "description": description,
            "retry_after": retry_after,
            "count": count,
        }
        return await self._object("POST", "/fail", json=_without_none(body))

    async def requests(self, method: str | None = None) -> list[JSON]:
        return await self._list("GET", "/requests", params={"method": method})

    async def commands(
        self,
        language_code: str | None = None,
        scope: str = "default",
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSON]:
        """Commands a user with ``language_code`` sees for ``scope``: that language's list,
        else the list set without a language. ``chat_id``/``user_id`` qualify chat scopes."""
        answer = await self._object(
            "GET",
            "/commands",
            params={
                "language_code": language_code,
                "scope": scope,
                "chat_id": chat_id,
                "user_id": user_id,
            },
        )
        commands: list[JSON] = answer["commands"]
        return commands

    # SMS outbox

    async def sms_send(self, phone: str, text: str, user_id: int | None = None) -> JSON:
        """Put a text "sent by SMS" to ``phone`` in the outbox; answers the stored message."""
        body = {"phone": phone, "text": text, "user_id": user_id}
        return await self._object("POST", "/sms", json=_without_none(body))

    async def sms(self, after: int = 0, wait: float = 0.0, user_id: int | None = None) -> JSON:
        """``{"messages": [...], "last_seq": N}``: SMS with ``seq > after``; long-polls
        up to ``wait`` seconds for at least one."""
        return await self._object(
            "GET",
            "/sms",
            params={"after": after, "wait": wait, "user_id": user_id},
            timeout=wait + self._timeout,
        )

    async def sandbox(self) -> JSON:
        """The sandbox page's settings (``staff_chat_id``, ``operator``); 404 without the page."""
        return await self._object("GET", "/sandbox")

    async def download(self, file_id: str) -> bytes:
        return (await self._call("GET", f"/files/{file_id}")).content

    async def reset(self) -> None:
        await self._call("POST", "/reset")

    # Support desk: edits, locations, group members

    async def edit(self, user_id: int, message_id: int, text: str, chat_id: int | None = None) -> JSON:
        """Edit the user's own message (text, or caption of a photo/file): an edited_message update."""
        body = {"user_id": user_id, "message_id": message_id, "text": text, "chat_id": chat_id}
        return await self._object("POST", "/edit", json=_without_none(body))

    async def send_location(self, user_id: int, latitude: float, longitude: float,
                            chat_id: int | None = None, message_thread_id: int | None = None) -> JSON:
        body = {"user_id": user_id, "latitude": latitude, "longitude": longitude, "chat_id": chat_id,
                "message_thread_id": message_thread_id}
        return await self._object("POST", "/location", json=_without_none(body))

    async def set_member(self, chat_id: int, user_id: int, status: str = "member") -> JSON:
        """Make a user a member (or "administrator", "creator", "left"...) of a group."""
        return await self._object("POST", f"/chats/{chat_id}/members",
                                  json={"user_id": user_id, "status": status})
