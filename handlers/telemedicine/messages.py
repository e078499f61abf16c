"""What the patient reads about Dariger Online, in one place: the journey's screens
and the messages the clinic's actions and the reminders send (bot.telemedicine).

Nomad Life rules 7.12, 9.5 and Appendix 1 (insurance.telemedicine).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from datetime import date

from babel.dates import format_date, format_datetime

from bot.conversation import Button, inline_keyboard, translate
from bot.i18n import N_, Translator
from bot.keyboards import PERSON
from insurance import telemedicine as rules
from storage.models import Consultation

# ---- gate: policy in force, consent, identity ----
NO_POLICY = N_(
    "<b>🩺 %(service)s</b>\nDoctor consultations come with a Nomad Life policy, from the first day of cover "
    "to the last (clause 9.5). You have no Nomad Life policy in the bot."
)
NOT_STARTED = N_(
    "<b>🩺 %(service)s</b>\nThe cover of policy %(number)s runs from %(start)s to %(end)s. Consultations are "
    "open from the first day of cover (clause 9.5): come back on %(start)s."
)
ENDED = N_(
    "<b>🩺 %(service)s</b>\nThe cover of policy %(number)s ran from %(start)s to %(end)s and has ended, so "
    "consultations are no longer included (clause 9.5, Appendix 1)."
)
CONSENT_TITLE = N_("<b>🩺 %(service)s › Consent</b>")
CONSENT_SUMMARY = N_(
    "Before the first consultation the medical organisation needs your consent to receive your medical "
    "information: what you tell the doctor and the documents you send (Appendix 1 to the rules).\n\n"
    "• Only for your consultations.\n• You can withdraw it in “My data”.\n\nDo you agree?"
)
ASK_PHONE = N_("The doctor calls the phone given at registration. Share your phone with the button below.")
PHONE_BUTTON = N_("Please use the “📱 Share my phone” button below: the doctor calls your own number.")
HOME = N_(
    "<b>🩺 %(service)s</b>\nPatient: %(name)s, born %(born)s\nPhone: %(phone)s\n(from policy %(number)s)\n\n"
    "Doctors are online 24/7 while your policy is in force, with no limit on the number of consultations."
)
URGENT = N_("⚡ Duty doctor now")
PLAN = N_("📅 Book a consultation")
MINE = N_("🗂 My consultations")

# ---- urgent ----
ASK_WHO = N_("<b>🩺 %(service)s › Duty doctor</b>\nWho needs the doctor?")
ADULT = N_("🧑 An adult: therapist")
CHILD = N_("🧒 A child: paediatrician")
QUEUE = N_(
    "<b>⚡ Queue for the duty doctor: %(speciality)s</b>\nYour place: %(place)s. Expected wait: about "
    "%(minutes)s min.\n\nStay online: the doctor will write here or call %(phone)s. While you wait you can "
    "send documents: earlier diagnoses, allergies, test results."
)
LEAVE_QUEUE = N_("❌ Leave the queue")
SEND_DOCUMENTS = N_("📎 Send documents")
LEFT_QUEUE = N_("You left the queue. Nothing is counted against your policy.")
QUEUE_DONE = N_("<b>⚡ Your turn</b>: the doctor is connecting, see the message below.")
CONNECTED_LINK = N_(
    "<b>🩺 Doctor %(doctor)s is connecting</b>\nConsultation %(number)s. Join here: %(link)s\n"
    "or answer the call to %(phone)s. It lasts up to 30 minutes."
)
CONNECTED_CALL = N_(
    "<b>🩺 Doctor %(doctor)s is calling you</b> at %(phone)s.\nConsultation %(number)s lasts up to 30 minutes."
)
CALL_FAILED = N_(
    "📞 The doctor could not reach you (attempt %(count)s of %(total)s). Please stay online and answer the "
    "call to %(phone)s."
)
CLOSED_NO_ANSWER = N_(
    "The doctor could not reach you after %(total)s attempts, so consultation %(number)s is closed and counts "
    "as given (Appendix 1 to the rules). You can ask for a new one at any time."
)
CONCLUSION = N_(
    "<b>📄 Conclusion of consultation %(number)s</b>\nDoctor %(doctor)s:\n%(text)s\n\n"
    "<i>The conclusion states no diagnosis and prescribes no treatment (Appendix 1 to the rules).</i>\n"
    "If you are not satisfied with the quality, you can complain until %(deadline)s; after that the "
    "service counts as accepted."
)
CONCLUSION_CAPTION = N_("Conclusion of consultation %(number)s")
COMPLAIN = N_("✍️ Complain about quality")

# ---- planned ----
ASK_KIND = N_("<b>📅 Book a consultation</b>\nWhich doctor do you need?")
KINDS = {
    "therapist": N_("Therapist"),
    "paediatrician": N_("Paediatrician"),
    "specialist": N_("Specialist"),
    "second_opinion": N_("Second opinion on an earlier diagnosis"),
}
ASK_SPECIALITY = N_("<b>📅 Book › %(kind)s</b>\nWhich speciality?")
SPECIALITIES = {
    "therapist": N_("therapist"),
    "paediatrician": N_("paediatrician"),
    "cardiologist": N_("cardiologist"),
    "neurologist": N_("neurologist"),
    "gynaecologist": N_("gynaecologist"),
    "endocrinologist": N_("endocrinologist"),
    "dermatologist": N_("dermatologist"),
    "otolaryngologist": N_("ear, nose and throat doctor"),
}
ASK_DAY = N_(
    "<b>📅 Book › %(speciality)s</b>\nChoose a day with free time, or type a date, for example %(example)s:"
)
NO_DAYS = N_(
    "No %(speciality)s has free time in the next two weeks. A person can help you find a doctor."
)
DAY_PAST = N_("This date has passed. Please choose a day from today on.")
DAY_TOO_FAR = N_("Bookings are open until %(date)s. Please choose an earlier day.")
ASK_SLOT = N_(
    "<b>📅 Book › %(speciality)s › %(day)s</b>\nFree times, Kazakhstan time (%(zone)s). Tap one to book:"
)
NO_SLOTS = N_("There is no free time on %(day)s. Please choose another day.")
SLOT_TAKEN = N_("This time was just taken by someone else. Here are the free times:")
BOOKED = N_(
    "<b>✅ Booked: consultation %(number)s</b>\n%(speciality)s, doctor %(doctor)s\n%(when)s, Kazakhstan time "
    "(%(zone)s)\n\nAt that time stay online: the doctor will write here or call %(phone)s. We will remind you "
    "the day before and an hour before. Free cancellation until %(free_until)s."
)
SMS_BOOKED = N_(
    "%(service)s: consultation %(number)s, %(speciality)s, %(when)s (Kazakhstan time, %(zone)s). "
    "Cancel in the Qamqor bot."
)
REMINDER_DAY = N_(
    "<b>⏰ Tomorrow: consultation %(number)s</b>\n%(speciality)s, doctor %(doctor)s, %(when)s (Kazakhstan "
    "time, %(zone)s)."
)
REMINDER_HOUR = N_(
    "<b>⏰ In an hour: consultation %(number)s</b>\n%(speciality)s, doctor %(doctor)s, %(when)s (Kazakhstan "
    "time, %(zone)s). Stay online: the doctor will call %(phone)s."
)
CANCEL = N_("❌ Cancel the consultation")
CONFIRM_FREE_CANCEL = N_("<b>Cancel consultation %(number)s?</b>\n%(when)s. Cancelling now is free.")
CONFIRM_LATE_CANCEL = N_(
    "<b>⚠️ Cancel consultation %(number)s?</b>\n%(when)s. It is less than 24 hours away: a cancellation now "
    "counts as a consultation given (Appendix 1 to the rules) and is recorded against your policy."
)
YES_CANCEL = N_("Yes, cancel")
KEEP = N_("Keep it")
CANCELLED_FREE = N_("Consultation %(number)s is cancelled. Nothing is counted against your policy.")
CANCELLED_LATE = N_("Consultation %(number)s is cancelled; it counts as given.")
CANNOT_CANCEL = N_("Consultation %(number)s can no longer be cancelled.")

# ---- documents ----
ASK_FILES = N_(
    "<b>📎 Consultation %(number)s › Documents</b>\nSend earlier diagnoses, allergies or test results as "
    "photos or files (JPEG, PNG, PDF or HEIC, up to 20 MB each). They go to the doctor."
)
FILE_RECEIVED = N_("✅ Received; the doctor will see it. Files sent: %(count)s.")
NOT_A_FILE = N_("Please send a photo or a file, or tap “Done”.")
DONE = N_("✅ Done")
CLOSED = N_("Consultation %(number)s is over: files can no longer be added to it.")

# ---- my consultations, complaint ----
MINE_TITLE = N_("<b>🗂 My consultations</b>")
NONE_YET = N_("You have had no consultations yet.")
LINE = N_("<b>%(number)s</b> · %(speciality)s · %(when)s\n%(status)s")
URGENT_WHEN = N_("urgent, %(date)s")
COUNTED = N_("Counted as given under policy %(number)s: %(count)s (clause 7.12).")
STATUSES = {
    "queued": N_("in the queue"),
    "booked": N_("booked"),
    "connected": N_("in progress"),
    rules.GIVEN: N_("given, conclusion received"),
    rules.NO_ANSWER: N_("closed: the doctor could not reach you; counts as given"),
    rules.LATE_CANCELLATION: N_("cancelled less than 24 hours ahead; counts as given"),
    "cancelled": N_("cancelled"),
}
DETAIL = N_("<b>🗂 Consultation %(number)s</b>\n%(speciality)s · %(when)s\n%(status)s\nDocuments sent: %(files)s")
DETAIL_CONCLUSION = N_("<b>Conclusion</b> (doctor %(doctor)s):\n%(text)s")
DETAIL_COMPLAINT = N_("<b>Your complaint</b> (%(date)s): %(text)s")
CONCLUSION_FILE = N_("📄 Conclusion file")
ASK_COMPLAINT = N_(
    "<b>✍️ Complaint about consultation %(number)s</b>\nDescribe what went wrong, in your own words."
)
COMPLAINT_SHORT = N_("Please describe the problem in a few words (at least 10 characters).")
COMPLAINT_RECEIVED = N_(
    "Your complaint about consultation %(number)s is registered and passed to the insurer and the medical "
    "organisation."
)
COMPLAINT_CLOSED = N_(
    "The 7 days for a complaint about consultation %(number)s ended on %(date)s: the service counts as "
    "accepted (Appendix 1 to the rules). A person can still help you."
)
STAFF_COMPLAINT = N_(
    "Complaint about telemedicine consultation %(number)s (policy %(policy)s, doctor %(doctor)s):\n%(text)s"
)
NOT_AVAILABLE = N_("This consultation is not available.")


def when(t: Translator, moment: datetime) -> str:
    """A moment in Kazakhstan time, in the reader's language (the zone is said by the message)."""
    return format_datetime(rules.local(moment), "EEE, d MMMM, HH:mm", locale=t.language)


def format_day(t: Translator, day: date) -> str:
    return format_date(day, "EEE, d MMMM", locale=t.language)


def speciality(t: Translator, code: str) -> str:
    return t.gettext(SPECIALITIES.get(code, code))


def message(t: Translator, msgid: str, rows: list[list[Button]] | None = None, /, *,
            edit: int | None = None, **values: object) -> dict[str, Any]:
    """An outbox payload in `t`'s language: a new message, or an edit of message `edit`."""
    payload: dict[str, Any] = {"method": "send_message", "text": translate(t, msgid, **values)}
    if edit is not None:
        payload.update(method="edit_message_text", message_id=edit)
    if rows:
        payload["reply_markup"] = inline_keyboard(rows)
    return payload


def queue_rows(t: Translator, consultation: Consultation) -> list[list[Button]]:
    return [[(t.gettext(SEND_DOCUMENTS), f"tm:f:{consultation.id}")],
            [(t.gettext(LEAVE_QUEUE), f"tm:c:{consultation.id}"), (t.gettext(PERSON), "support")]]


def booking_rows(t: Translator, consultation: Consultation) -> list[list[Button]]:
    return [[(t.gettext(SEND_DOCUMENTS), f"tm:f:{consultation.id}"), (t.gettext(CANCEL), f"tm:c:{consultation.id}")],
            [(t.gettext(MINE), "tm:m"), (t.gettext(PERSON), "support")]]
