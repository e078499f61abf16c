"""The Bot API methods, operating on a :class:`~bot.emulator.world.World`."""

from __future__ import annotations

import inspect
import ipaddress
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError, bad_request, conflict
from .models import PRE_CHECKOUT, UPDATES, Chat, ForumTopic, Invoice, Message, StoredFile, Webhook, unix_now
from .params import Params, UploadedFile
from .textfmt import normalize_parse_mode, render, utf16_len
from .world import World, image_dimensions

logger = logging.getLogger(__name__)

JSON = dict[str, Any]
Handler = Callable[[Params], Any | Awaitable[Any]]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
OTHER_POLLER = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_SIMPLE_SCOPES = frozenset(
    {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}
)

#: Telegram method name -> name of the implementing method of :class:`BotApi`.
METHODS: dict[str, str] = {
    "getMe": "get_me",
    "logOut": "log_out",
    "close": "close",
    "getUpdates": "get_updates",
    "setWebhook": "set_webhook",
    "deleteWebhook": "delete_webhook",
    "getWebhookInfo": "get_webhook_info",
    "sendMessage": "send_message",
    "forwardMessage": "forward_message",
    "copyMessage": "copy_message",
    "editMessageText": "edit_message_text",
    "editMessageCaption": "edit_message_caption",
    "editMessageReplyMarkup": "edit_message_reply_markup",
    "deleteMessage": "delete_message",
    "deleteMessages": "delete_messages",
    "answerCallbackQuery": "answer_callback_query",
    "sendDocument": "send_document",
    "sendPhoto": "send_photo",
    "sendChatAction": "send_chat_action",
    "getFile": "get_file",
    "getChat": "get_chat",
    "pinChatMessage": "pin_chat_message",
    "unpinChatMessage": "unpin_chat_message",
    "setMyCommands": "set_my_commands",
    "getMyCommands": "get_my_commands",
    "deleteMyCommands": "delete_my_commands",
    "setMyDescription": "set_my_description",
    "getMyDescription": "get_my_description",
    "setMyShortDescription": "set_my_short_description",
    "getMyShortDescription": "get_my_short_description",
    "setMyName": "set_my_name",
    "getMyName": "get_my_name",
    "setChatMenuButton": "set_chat_menu_button",
    "getChatMenuButton": "get_chat_menu_button",
    "sendInvoice": "send_invoice",
    "answerPreCheckoutQuery": "answer_pre_checkout_query",
    "createForumTopic": "create_forum_topic",
    "editForumTopic": "edit_forum_topic",
    "closeForumTopic": "close_forum_topic",
    "reopenForumTopic": "reopen_forum_topic",
    "getChatMember": "get_chat_member",
    "getChatAdministrators": "get_chat_administrators",
}
_CANONICAL = {name.lower(): name for name in METHODS}

#: Maximum lengths of the per-language bot texts (description, short description, name).
_BOT_TEXTS = {"description": 512, "short_description": 120, "name": 64}


def canonical_method(method: str) -> str:
    """Telegram's spelling of a method name (names are case-insensitive)."""
    return _CANONICAL.get(method.lower(), method)


def is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _inline_only(markup: JSON | None) -> JSON | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def _validate_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a String")
            actions = [action for action in _BUTTON_ACTIONS if action in button]
            if not actions:
                raise bad_request("text buttons are unallowed in the inline keyboard")
            if "callback_data" in button:
                data = button["callback_data"]
                if (
                    not isinstance(data, str)
                    or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button:
                url = button["url"]
                if not isinstance(url, str) or not re.match(r"(https?|tg)://\S+$", url):
                    raise bad_request(
                        f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                    )


def _validate_reply_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request("keyboard button text is empty")


class BotApi:
    """Implements the emulated Bot API methods; each takes :class:`Params` and returns a result."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def dispatch(self, method: str, params: Params) -> Any:
        name = _CANONICAL.get(method.lower())
        if name is None:
            logger.warning("Bot API method %r is not emulated; answering 404 Not Found", method)
            raise ApiError(404, "Not Found")
        handler: Handler = getattr(self, METHODS[name])
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        return result

    # Bot and updates

    def get_me(self, params: Params) -> JSON:
        return {
            **self.world.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def log_out(self, params: Params) -> bool:
        return True

    def close(self, params: Params) -> bool:
        return True

    async def get_updates(self, params: Params) -> list[JSON]:
        world = self.world
        if world.webhook is not None:
            raise conflict(WEBHOOK_ACTIVE)
        offset = params.integer("offset")
        limit = min(max(params.integer("limit", default=100) or 100, 1), 100)
        timeout = max(params.number("timeout"), 0.0)
        allowed = params.array("allowed_updates")
        if allowed is not None:
            world.allowed_updates = [str(kind) for kind in allowed]
        world.poll_generation += 1
        generation = world.poll_generation
        world.signal.notify(UPDATES)
        world.confirm(offset)
        await world.signal.wait_for(
            lambda: (
                world.closing
                or world.poll_generation != generation
                or world.webhook is not None
                or world.has_deliverable()
            ),
            timeout,
            UPDATES,
        )
        if world.poll_generation != generation:
            raise conflict(OTHER_POLLER)
        if world.webhook is not None:
            raise conflict(WEBHOOK_ACTIVE)
        return world.take_batch(limit)

    def set_webhook(self, params: Params) -> bool:
        world = self.world
        url = params.string("url") or ""
        if not url:
            return self.delete_webhook(params)
        if not is_loopback_url(url):
            raise bad_request(
                "bad webhook: the emulator delivers webhooks to http(s) loopback addresses only"
            )
        secret = params.string("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = min(max(params.integer("max_connections", default=40) or 40, 1), 100)
        allowed = params.array("allowed_updates")
        if allowed is not None:
            world.allowed_updates = [str(kind) for kind in allowed]
        if params.flag("drop_pending_updates"):
            world.drop_pending()
        world.webhook = Webhook(url, secret, max_connections)
        world.signal.notify(UPDATES)
        return True

    def delete_webhook(self, params: Params) -> bool:
        world = self.world
        if params.flag("drop_pending_updates"):
            world.drop_pending()
        world.webhook = None
        world.signal.notify(UPDATES)
        return True

    def get_webhook_info(self, params: Params) -> JSON:
        world = self.world
        webhook = world.webhook
        info: JSON = {
            "url": webhook.url if webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(world.deliverable()),
        }
        if webhook is not None:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if webhook.last_error_date is not None:
                info["last_error_date"] = webhook.last_error_date
                info["last_error_message"] = webhook.last_error_message
        if world.allowed_updates:
            info["allowed_updates"] = world.allowed_updates
        return info

    # Shared pieces of sending and editing

    def _chat(self, params: Params, name: str = "chat_id") -> Chat:
        return self.world.target_chat(params.chat_id(name))

    def _text(self, params: Params) -> tuple[str, list[JSON], str | None]:
        raw = params.string("text")
        if raw is None or not raw.strip():
            raise bad_request("message text is empty")
        mode = normalize_parse_mode(params.string("parse_mode"))
        text, entities = render(raw, mode, params.raw("entities"))
        if not text:
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text, entities, mode

    def _caption(self, params: Params) -> tuple[str | None, list[JSON], str | None]:
        raw = params.string("caption")
        mode = normalize_parse_mode(params.string("parse_mode"))
        if raw is None:
            return None, [], mode
        caption, entities = render(raw, mode, params.raw("caption_entities"))
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return caption or None, entities, mode

    def _reply_markup(self, params: Params, *, inline_only: bool = False) -> JSON | None:
        markup = params.raw("reply_markup")
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            _validate_inline_keyboard(markup["inline_keyboard"])
        elif inline_only:
            raise bad_request("inline keyboard expected")
        elif "keyboard" in markup:
            _validate_reply_keyboard(markup["keyboard"])
        elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    def _reply_to(self, params: Params, chat: Chat) -> Message | None:
        reply = params.mapping("reply_parameters")
        if reply is not None:
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.integer("reply_to_message_id")
            allow_missing = params.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        target = chat.find_message(message_id if isinstance(message_id, int) else None)
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def _publish(self, chat: Chat, message: Message, event_type: str = "bot_message") -> JSON:
        markup = message.reply_markup
        if markup is not None and "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup is not None and markup.get("remove_keyboard") is True:
            chat.reply_keyboard = None
        self.world.add_event(chat, event_type, message)
        return message.to_api()

    def _common(self, params: Params, chat: Chat, *, inline_only: bool = False) -> JSON:
        """Fields every send method shares: reply markup, reply target, protection."""
        return {
            "reply_markup": self._reply_markup(params, inline_only=inline_only),
            "reply_to": self._reply_to(params, chat),
            "protect_content": params.flag("protect_content"),
            "message_thread_id": self._thread(params, chat),
        }

    @staticmethod
    def _thread(params: Params, chat: Chat) -> int | None:
        thread = params.integer("message_thread_id")
        if thread is None or not chat.is_forum:
            return None
        if thread not in chat.topics:
            raise bad_request("message thread not found")
        return thread

    # Messages

    def send_message(self, params: Params) -> JSON:
        chat = self._chat(params)
        text, entities, mode = self._text(params)
        message = self.world.add_message(
            chat,
            self.world.bot,
            text=text,
            entities=entities,
            parse_mode=mode,
            link_preview_options=params.mapping("link_preview_options"),
            **self._common(params, chat),
        )
        return self._publish(chat, message)

    def _source_message(self, params: Params) -> Message:
        source_chat = self.world.chats.get(params.chat_id("from_chat_id"))
        if source_chat is None:
            raise bad_request("chat not found")
        source = source_chat.find_message(params.integer("message_id", required=True))
        if source is None:
            raise bad_request("message to forward not found")
        if source.protect_content:
            raise bad_request("message can't be forwarded")
        if source.invoice is not None or source.successful_payment is not None:
            raise bad_request("message can't be copied")
        return source

    @staticmethod
    def _content_of(source: Message) -> JSON:
        return {
            "text": source.text,
            "entities": list(source.entities),
            "caption": source.caption,
            "caption_entities": list(source.caption_entities),
            "document": source.document,
            "photo": list(source.photo),
            "contact": source.contact,
            "location": source.location,
            "voice": source.voice,
            "video": source.video,
        }

    def forward_message(self, params: Params) -> JSON:
        chat = self._chat(params)
        source = self._source_message(params)
        origin = {"type": "user", "date": source.date, "sender_user": source.sender.to_api()}
        message = self.world.add_message(
            chat,
            self.world.bot,
            forward_origin=origin,
            protect_content=params.flag("protect_content"),
            **self._content_of(source),
        )
        return self._publish(chat, message)

    def copy_message(self, params: Params) -> JSON:
        chat = self._chat(params)
        source = self._source_message(params)
        content = self._content_of(source)
        if params.has("caption") and source.has_media:
            content["caption"], content["caption_entities"], _ = self._caption(params)
        message = self.world.add_message(
            chat, self.world.bot, **content, **self._common(params, chat)
        )
        self._publish(chat, message)
        return {"message_id": message.message_id}

    def _editable(self, params: Params) -> Message:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.find_message(message_id)
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _edited(self, message: Message, markup: JSON | None, **details: Any) -> JSON:
        """Apply the new inline markup, stamp the edit and log it."""
        if markup is not None or _inline_only(message.reply_markup) is not None:
            message.reply_markup = markup
        message.edit_date = unix_now()
        self.world.add_event(message.chat, "bot_edit", message, **details)
        return message.to_api()

    def edit_message_text(self, params: Params) -> JSON:
        message = self._editable(params)
        text, entities, mode = self._text(params)
        markup = self._reply_markup(params, inline_only=True)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        if (message.text, message.entities, _inline_only(message.reply_markup)) == (
            text,
            entities,
            markup,
        ):
            raise bad_request(NOT_MODIFIED)
        message.text, message.entities, message.parse_mode = text, entities, mode
        if params.has("link_preview_options"):
            message.link_preview_options = params.mapping("link_preview_options")
        return self._edited(message, markup)

    def edit_message_caption(self, params: Params) -> JSON:
        message = self._editable(params)
        caption, entities, mode = self._caption(params)
        markup = self._reply_markup(params, inline_only=True)
        if not message.has_media:
            raise bad_request("there is no caption in the message to edit")
        if (message.caption, message.caption_entities, _inline_only(message.reply_markup)) == (
            caption,
            entities,
            markup,
        ):
            raise bad_request(NOT_MODIFIED)
        message.caption, message.caption_entities, message.parse_mode = caption, entities, mode
        return self._edited(message, markup)

    def edit_message_reply_markup(self, params: Params) -> JSON:
        message = self._editable(params)
        markup = self._reply_markup(params, inline_only=True)
        if _inline_only(message.reply_markup) == markup:
            raise bad_request(NOT_MODIFIED)
        return self._edited(message, markup, markup_only=True)

    def _delete(self, chat: Chat, message: Message) -> None:
        if not message.from_bot and chat.type != "private" and not chat.bot_is_admin:
            raise bad_request("message can't be deleted")
        message.deleted = True
        self.world.add_event(chat, "bot_delete", message)

    def delete_message(self, params: Params) -> bool:
        chat = self._chat(params)
        message = chat.find_message(params.integer("message_id", required=True))
        if message is None:
            raise bad_request("message to delete not found")
        self._delete(chat, message)
        return True

    def delete_messages(self, params: Params) -> bool:
        chat = self._chat(params)
        identifiers = params.array("message_ids")
        if not identifiers or len(identifiers) > 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in identifiers:
            message = chat.find_message(message_id if isinstance(message_id, int) else None)
            if message is not None:
                self._delete(chat, message)
        return True

    def pin_chat_message(self, params: Params) -> bool:
        chat = self._chat(params)
        if chat.find_message(params.integer("message_id", required=True)) is None:
            raise bad_request("message to pin not found")
        return True

    def unpin_chat_message(self, params: Params) -> bool:
        self._chat(params)
        return True

    def answer_callback_query(self, params: Params) -> bool:
        query_id = params.string("callback_query_id", required=True)
        query = self.world.callback_queries.get(query_id or "")
        if query is None or query.answered:
            raise bad_request(QUERY_INVALID)
        text = params.string("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        self.world.add_event(
            query.message.chat,
            "callback_answer",
            query.message,
            callback_query_id=query.id,
            user_id=query.user.id,
            text=text,
            show_alert=params.flag("show_alert"),
            url=params.string("url"),
        )
        return True

    # Files

    def _stored(self, value: str, kind: str) -> list[StoredFile]:
        stored = self.world.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
            )
        return self.world.photo_sets.get(value, [stored]) if kind == "photo" else [stored]

    def _input(self, params: Params, name: str) -> UploadedFile | str:
        value = params.input_file(name)
        if value is None:
            raise bad_request(f"there is no {name} in the request")
        return value

    def send_document(self, params: Params) -> JSON:
        chat = self._chat(params)
        value = self._input(params, "document")
        caption, entities, mode = self._caption(params)
        if isinstance(value, UploadedFile):
            mime_type = (
                value.content_type
                or mimetypes.guess_type(value.filename or "")[0]
                or "application/octet-stream"
            )
            document = self.world.store_file("document", value.data, value.filename, mime_type)
        else:
            document = self._stored(value, "document")[0]
        message = self.world.add_message(
            chat,
            self.world.bot,
            document=document,
            caption=caption,
            caption_entities=entities,
            parse_mode=mode,
            **self._common(params, chat),
        )
        return self._publish(chat, message)

    def send_photo(self, params: Params) -> JSON:
        chat = self._chat(params)
        value = self._input(params, "photo")
        caption, entities, mode = self._caption(params)
        if isinstance(value, UploadedFile):
            if image_dimensions(value.data) is None:
                raise bad_request("IMAGE_PROCESS_FAILED")
            sizes = self.world.store_photo(value.data, value.filename)
        else:
            sizes = self._stored(value, "photo")
        message = self.world.add_message(
            chat,
            self.world.bot,
            photo=sizes,
            caption=caption,
            caption_entities=entities,
            parse_mode=mode,
            **self._common(params, chat),
        )
        return self._publish(chat, message)

    def send_chat_action(self, params: Params) -> bool:
        self._chat(params)
        if params.string("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def get_file(self, params: Params) -> JSON:
        stored = self.world.files.get(params.string("file_id", required=True) or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return stored.file_api()

    def get_chat(self, params: Params) -> JSON:
        chat = self.world.chats.get(params.chat_id())
        if chat is None:
            raise bad_request("chat not found")
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    # Commands, descriptions, menu button

    @staticmethod
    def _scope_key(params: Params) -> tuple[Any, ...]:
        scope = params.mapping("scope") or {"type": "default"}
        kind = scope.get("type")
        if kind in _SIMPLE_SCOPES:
            return (kind,)
        chat_id = scope.get("chat_id")
        if kind in ("chat", "chat_administrators", "chat_member") and not isinstance(chat_id, int):
            raise bad_request("chat not found")
        if kind in ("chat", "chat_administrators"):
            return (kind, chat_id)
        if kind == "chat_member":
            user_id = scope.get("user_id")
            if not isinstance(user_id, int):
                raise bad_request("user not found")
            return (kind, chat_id, user_id)
        raise bad_request("wrong bot command scope type specified")

    @staticmethod
    def _language(params: Params) -> str:
        language = params.string("language_code") or ""
        if language and not _LANGUAGE_CODE.fullmatch(language):
            raise bad_request("invalid language_code specified")
        return language

    def set_my_commands(self, params: Params) -> bool:
        commands = params.array("commands")
        if commands is None:
            raise bad_request("commands is empty")
        if len(commands) > 100:
            raise bad_request("too many commands")
        cleaned: list[JSON] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse commands JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = (self._scope_key(params), self._language(params))
        if cleaned:
            self.world.commands[key] = cleaned
        else:
            self.world.commands.pop(key, None)
        return True

    def get_my_commands(self, params: Params) -> list[JSON]:
        key = (self._scope_key(params), self._language(params))
        return list(self.world.commands.get(key, []))

    def delete_my_commands(self, params: Params) -> bool:
        self.world.commands.pop((self._scope_key(params), self._language(params)), None)
        return True

    def _set_bot_text(self, params: Params, kind: str) -> bool:
        value = params.string(kind) or ""
        if len(value) > _BOT_TEXTS[kind]:
            raise bad_request(f"{kind} is too long")
        key = (kind, self._language(params))
        if value:
            self.world.bot_texts[key] = value
        else:
            self.world.bot_texts.pop(key, None)
        return True

    def _get_bot_text(self, params: Params, kind: str) -> JSON:
        texts = self.world.bot_texts
        language = self._language(params)
        value = texts.get((kind, language)) or texts.get((kind, ""), "")
        if kind == "name" and not value:
            value = self.world.bot.first_name
        return {kind: value}

    def set_my_description(self, params: Params) -> bool:
        return self._set_bot_text(params, "description")

    def get_my_description(self, params: Params) -> JSON:
        return self._get_bot_text(params, "description")

    def set_my_short_description(self, params: Params) -> bool:
        return self._set_bot_text(params, "short_description")

    def get_my_short_description(self, params: Params) -> JSON:
        return self._get_bot_text(params, "short_description")

    def set_my_name(self, params: Params) -> bool:
        return self._set_bot_text(params, "name")

    def get_my_name(self, params: Params) -> JSON:
        return self._get_bot_text(params, "name")

    def set_chat_menu_button(self, params: Params) -> bool:
        button = params.mapping("menu_button") or {"type": "default"}
        if button.get("type") not in ("default", "commands", "web_app"):
            raise bad_request("can't parse menu button JSON object")
        if params.has("chat_id"):
            chat = self._chat(params)
            if chat.type != "private":
                raise bad_request("chat not found")
            chat.menu_button = button
        else:
            self.world.default_menu_button = button
        return True

    def get_chat_menu_button(self, params: Params) -> JSON:
        if params.has("chat_id"):
            chat = self._chat(params)
            if chat.menu_button is not None:
                return chat.menu_button
        return self.world.default_menu_button or {"type": "default"}

    # Payments

    def send_invoice(self, params: Params) -> JSON:
        chat = self._chat(params)
        title = params.string("title", required=True) or ""
        description = params.string("description", required=True) or ""
        payload = params.string("payload", required=True) or ""
        currency = params.string("currency", required=True) or ""
        provider_token = params.string("provider_token") or ""
        if len(title) > 32:
            raise bad_request("invoice title is too long")
        if len(description) > 255:
            raise bad_request("invoice description is too long")
        if len(payload.encode()) > 128:
            raise bad_request("invoice payload is too long")
        if not _CURRENCY.fullmatch(currency):
            raise bad_request("CURRENCY_INVALID")
        prices = params.array("prices")
        if not prices or not all(
            isinstance(price, dict)
            and isinstance(price.get("label"), str)
            and isinstance(price.get("amount"), int)
            for price in prices
        ):
            raise bad_request("can't parse prices JSON object")
        if currency == "XTR":
            if provider_token or len(prices) != 1:
                raise bad_request("invoices in Telegram Stars need no provider_token and one price")
        elif not provider_token:
            raise bad_request("PAYMENT_PROVIDER_INVALID")
        invoice = Invoice(
            title=title,
            description=description,
            payload=payload,
            provider_token=provider_token,
            currency=currency,
            prices=[{"label": price["label"], "amount": price["amount"]} for price in prices],
            start_parameter=params.string("start_parameter") or "",
        )
        if invoice.total_amount <= 0:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
        message = self.world.add_message(
            chat, self.world.bot, invoice=invoice, **self._common(params, chat, inline_only=True)
        )
        return self._publish(chat, message, "invoice")

    def answer_pre_checkout_query(self, params: Params) -> bool:
        query_id = params.string("pre_checkout_query_id", required=True) or ""
        query = self.world.pre_checkouts.get(query_id)
        if query is None or query.ok is not None:
            raise bad_request(QUERY_INVALID)
        if not params.has("ok"):
            raise bad_request("ok is empty")
        ok = params.flag("ok")
        error_message = params.string("error_message")
        if not ok and not error_message:
            raise bad_request("error_message is empty")
        query.ok, query.error_message = ok, None if ok else error_message
        self.world.signal.notify(PRE_CHECKOUT)
        return True

    # Forum topics and chat members

    def _forum_topic(self, params: Params) -> tuple[Chat, ForumTopic]:
        chat = self._chat(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        topic = chat.topics.get(params.integer("message_thread_id", required=True) or 0)
        if topic is None:
            raise bad_request("message thread not found")
        return chat, topic

    @staticmethod
    def _topic_name(params: Params) -> str:
        name = (params.string("name") or "").strip()
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
        return name

    def create_forum_topic(self, params: Params) -> JSON:
        chat = self._chat(params)
        if not chat.is_forum:
            raise bad_request("the chat is not a forum")
        if not chat.bot_is_admin:
            raise bad_request("not enough rights to create a topic")
        name = self._topic_name(params)
        color = params.integer("icon_color") or 7322096
        # The topic's id is the id of its first (service) message, as in Telegram.
        thread_id = chat.next_message_id
        topic = ForumTopic(thread_id, name, color)
        chat.topics[thread_id] = topic
        message = self.world.add_message(
            chat, self.world.bot, forum_topic_created={"name": name, "icon_color": color},
            message_thread_id=thread_id,
        )
        self.world.add_event(chat, "topic_created", message, name=name)
        return topic.to_api()

    def edit_forum_topic(self, params: Params) -> bool:
        chat, topic = self._forum_topic(params)
        if params.has("name"):
            name = self._topic_name(params)
            if name == topic.name:
                raise bad_request("TOPIC_NOT_MODIFIED")
            topic.name = name
        self.world.add_event(chat, "topic_edited", None, message_thread_id=topic.message_thread_id,
                             name=topic.name)
        return True

    def _set_topic_closed(self, params: Params, closed: bool) -> bool:
        chat, topic = self._forum_topic(params)
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        self.world.add_event(chat, "topic_closed" if closed else "topic_reopened", None,
                             message_thread_id=topic.message_thread_id)
        return True

    def close_forum_topic(self, params: Params) -> bool:
        return self._set_topic_closed(params, True)

    def reopen_forum_topic(self, params: Params) -> bool:
        return self._set_topic_closed(params, False)

    def _member(self, chat: Chat, user_id: int, status: str) -> JSON:
        user = self.world.bot if user_id == self.world.bot.id else self.world.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        member: JSON = {"user": user.to_api(), "status": status}
        if status == "administrator":
            member |= {"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                       "can_delete_messages": True, "can_manage_video_chats": True,
                       "can_restrict_members": True, "can_promote_members": False,
                       "can_change_info": True, "can_invite_users": True, "can_post_stories": False,
                       "can_edit_stories": False, "can_delete_stories": False,
                       "can_manage_topics": True}
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "kicked":
            member["until_date"] = 0
        return member

    def get_chat_member(self, params: Params) -> JSON:
        chat = self._chat(params)
        user_id = params.integer("user_id", required=True) or 0
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.world.bot.id) else "left"
        else:
            status = chat.members.get(user_id, "left")
        return self._member(chat, user_id, status)

    def get_chat_administrators(self, params: Params) -> list[JSON]:
        chat = self._chat(params)
        if chat.type == "private":
            raise bad_request("there are no administrators in the private chat")
        return [self._member(chat, user_id, status) for user_id, status in chat.members.items()
                if status in ("creator", "administrator")]
