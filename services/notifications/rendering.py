"""Messages rendered from templates: Jinja2's sandbox, every name a template uses must be given
(``StrictUndefined``), HTML escaped, and a MIME message with a plain-text and an HTML part in
UTF-8.

Templates live in ``templates/<kind>/``: one file per language (``en.jinja``, ``lv.jinja``,
``lt.jinja``, ``nl.jinja``: a macro per phrase) and two layouts shared by the languages
(``layout.txt.jinja``, ``layout.html.jinja``) that place the phrases. Each phrase is made as plain
text first, so the HTML layout escapes whatever a name or a programme's title holds.
"""
from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any, Mapping, Optional

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

#: the phrases (macros) every language file of a kind defines, placed by its layouts as ``t.<name>``
PHRASES = ("subject", "greeting", "lead", "contact_heading", "email_label", "phone_label", "next_heading",
           "starts", "cadence", "where", "closing_event", "get_in_touch", "regards", "footer")
#: the phrases of the templates whose own differ (a staff member's introduction, a pairing's end)
PHRASES_OF = {
    "introduction_staff": ("subject", "greeting", "lead", "mentor_heading", "mentee_heading", "guardian_line",
                           "minor_note", "email_label", "phone_label", "closing", "regards", "footer"),
    "pairing_ended": ("subject", "greeting", "lead", "reason_line", "next_line", "regards", "footer"),
    "introduction_member": ("subject", "greeting", "lead", "mentor_heading", "team_heading", "email_label",
                            "phone_label", "next_heading", "starts", "cadence", "where", "closing_event", "regards",
                            "footer"),
    "group_introduction": ("subject", "greeting", "lead", "mentor_heading", "teachers_heading", "group_line",
                           "email_label", "phone_label", "next_heading", "starts", "where", "get_in_touch", "regards",
                           "footer"),
    "group_introduction_staff": ("subject", "greeting", "lead", "mentor_heading", "students_heading",
                                 "teachers_heading", "guardian_label", "via_guardian_note", "withheld_note", "erased",
                                 "email_label", "phone_label", "closing", "regards", "footer"),
    "group_joined": ("subject", "greeting", "lead", "contact_heading", "email_label", "phone_label", "closing",
                     "regards", "footer"),
}
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment(kind: str) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES / kind)), undefined=StrictUndefined,
                                autoescape=lambda name: bool(name and name.endswith(".html.jinja")),
                                keep_trailing_newline=True)


_ENVIRONMENTS: dict = {}


def environment(kind: str) -> SandboxedEnvironment:
    if kind not in _ENVIRONMENTS:
        _ENVIRONMENTS[kind] = _environment(kind)
    return _ENVIRONMENTS[kind]


def render(kind: str, language: str, context: Mapping[str, Any]) -> Mapping[str, str]:
    """The subject, plain text and HTML of a ``kind`` message in ``language``."""
    env = environment(kind)
    values = {**context, "language": language}
    phrases = env.get_template(f"{language}.jinja").make_module(values)
    # each phrase made as plain text, outside any layout: the HTML layout escapes it whole
    said = {name: " ".join(str(getattr(phrases, name)()).split()) for name in PHRASES_OF.get(kind, PHRASES)}
    values["t"] = said
    return {"subject": said["subject"],
            "text": env.get_template("layout.txt.jinja").render(values),
            "html": env.get_template("layout.html.jinja").render(values)}


def mail(*, kind: str, language: str, context: Mapping[str, Any], sender: str, message_id: str,
         date: Optional[datetime] = None) -> EmailMessage:
    """The MIME message: From, To (the recipient in ``context["to"]``), Subject, a Message-ID
    made from the message's id (the same for every attempt), plain text and HTML in UTF-8."""
    rendered = render(kind, language, context)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered["subject"]
    message["From"] = sender
    message["To"] = formataddr((context["to"]["name"], context["to"]["email"]))
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    message["Message-ID"] = f"<{message_id}@{domain}>"
    if date is not None:
        message["Date"] = format_datetime(date)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered["text"], charset="utf-8")
    message.add_alternative(rendered["html"], subtype="html", charset="utf-8")
    message["Content-Language"] = language  # after the parts: setting content clears Content-* headers
    return message
