"""Messages rendered from templates: Jinja2's sandbox, every name a template uses must be given
(``StrictUndefined``), HTML escaped, and a MIME message with a plain-text and an HTML part in
UTF-8.

Templates live in ``templates/<kind>/``: one file per language (``en.jinja``, ``lv.jinja``,
``lt.jinja``, ``nl.jinja``: a macro per phrase) and two layouts shared by the languages
(``layout.txt.jinja``, ``layout.html.jinja``) that place the phrases. The introduction has
layouts of its own; every other kind (notices and reminders) defines :data:`NOTICE_PHRASES`
and takes the layouts of ``templates/notice/``. Each phrase is made as plain
text first, so the HTML layout escapes whatever a name or a programme's title holds.

A language a kind has no file for is written in English instead, and the log says so. A
tenant's own template of a part (subject, text, HTML: :mod:`.tenant_templates`) replaces the
platform's for that part; it is rendered in an immutable sandbox with the same variables (and
``t``, the platform's phrases), and if it fails on a message's data anyway, the platform's
part is sent and the log says why: never a blank or half-rendered mail.

A message a person may turn off carries the one-click link in ``List-Unsubscribe`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058).
"""
from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment

log = logging.getLogger(__name__)

#: the phrases (macros) every language file of a kind defines, placed by its layouts as ``t.<name>``
PHRASES = ("subject", "greeting", "lead", "contact_heading", "email_label", "phone_label", "next_heading",
           "starts", "cadence", "where", "closing_event", "get_in_touch", "regards", "footer")
#: the phrases of a notice or reminder (every kind but the introduction's own), placed by the shared
#: layouts of ``templates/notice/``; ``detail`` may be empty
NOTICE_PHRASES = ("subject", "greeting", "lead", "detail", "action", "regards", "footer")
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: kinds whose own folder holds their layouts (the others take them from ``templates/notice/``)
OWN_LAYOUTS = {
    "introduction": PHRASES,
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


def phrases_of(kind: str) -> tuple:
    return OWN_LAYOUTS.get(kind, NOTICE_PHRASES)


def _environment(kind: str) -> SandboxedEnvironment:
    folders = [str(TEMPLATES / kind)] + ([] if kind in OWN_LAYOUTS else [str(TEMPLATES / "notice")])
    return SandboxedEnvironment(loader=FileSystemLoader(folders), undefined=StrictUndefined,
                                autoescape=lambda name: bool(name and name.endswith(".html.jinja")),
                                keep_trailing_newline=True)


_ENVIRONMENTS: dict = {}


def environment(kind: str) -> SandboxedEnvironment:
    if kind not in _ENVIRONMENTS:
        _ENVIRONMENTS[kind] = _environment(kind)
    return _ENVIRONMENTS[kind]


#: where a tenant's own templates are rendered: the sandbox, nothing mutable, HTML escaped in ``html``
OVERRIDE_ENVIRONMENTS = {
    part: ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=(part == "html"),
                                        keep_trailing_newline=True)
    for part in ("subject", "text", "html")}


def available_language(kind: str, language: str) -> str:
    """``language`` if the kind is written in it, else English (and the log says so)."""
    if (TEMPLATES / kind / f"{language}.jinja").is_file():
        return language
    log.warning("the %s message has no %r translation: it is written in English", kind, language)
    return "en"


def values_for(kind: str, language: str, context: Mapping[str, Any]) -> Dict[str, Any]:
    """What every template of a ``kind`` message is given: its context, ``language`` (the one
    written: English if the kind has no such translation), ``unsubscribe_url`` (None unless
    given) and ``t``, the platform's phrases in that language."""
    language = available_language(kind, language)
    values = {"unsubscribe_url": None, **context, "language": language}
    phrases = environment(kind).get_template(f"{language}.jinja").make_module(values)
    # each phrase made as plain text, outside any layout: the HTML layout escapes it whole
    values["t"] = {name: " ".join(str(getattr(phrases, name)()).split()) for name in phrases_of(kind)}
    return values


def render(kind: str, language: str, context: Mapping[str, Any],
           overrides: Optional[Mapping[str, str]] = None) -> Mapping[str, str]:
    """The subject, plain text and HTML of a ``kind`` message in ``language`` (English if the
    kind has no such translation: ``language`` in the answer says which), each part from the
    tenant's ``overrides`` (part -> template) where one is given and renders."""
    env = environment(kind)
    values = values_for(kind, language, context)
    language = values["language"]
    rendered = {"subject": values["t"]["subject"],
                "text": env.get_template("layout.txt.jinja").render(values),
                "html": env.get_template("layout.html.jinja").render(values)}
    for part, source in (overrides or {}).items():
        own = render_override(part, source, values)
        if own is None:
            log.warning("the tenant's %s template of the %s message in %s did not render; the platform's "
                        "is sent instead", part, kind, language)
        else:
            rendered[part] = own
    return {**rendered, "language": language}


def render_override(part: str, source: str, values: Mapping[str, Any]) -> Optional[str]:
    """A tenant's template of ``part`` rendered with ``values``; None when it fails or says nothing."""
    try:
        text = OVERRIDE_ENVIRONMENTS[part].from_string(source).render(values)
    except Exception as exc:  # any failure of a tenant's template: the platform's part is used
        log.warning("a tenant's %s template failed: %s: %s", part, type(exc).__name__, exc)
        return None
    if part == "subject":
        text = " ".join(text.split())
    return text if text.strip() else None


def mail(*, kind: str, language: str, context: Mapping[str, Any], sender: str, message_id: str,
         date: Optional[datetime] = None, overrides: Optional[Mapping[str, str]] = None,
         unsubscribe_url: Optional[str] = None) -> EmailMessage:
    """The MIME message: From, To (the recipient in ``context["to"]``), Subject, a Message-ID
    made from the message's id (the same for every attempt), plain text and HTML in UTF-8; with
    ``unsubscribe_url``, the RFC 8058 one-click headers."""
    rendered = render(kind, language, {**context, "unsubscribe_url": unsubscribe_url}, overrides)
    language = rendered["language"]
    message = EmailMessage(policy=SMTP)
    message["Subject"] = rendered["subject"]
    message["From"] = sender
    message["To"] = formataddr((context["to"]["name"], context["to"]["email"]))
    domain = sender.rsplit("@", 1)[-1].strip("> ") or "localhost"
    message["Message-ID"] = f"<{message_id}@{domain}>"
    if date is not None:
        message["Date"] = format_datetime(date)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered["text"], charset="utf-8")
    message.add_alternative(rendered["html"], subtype="html", charset="utf-8")
    message["Content-Language"] = language  # after the parts: setting content clears Content-* headers
    return message
