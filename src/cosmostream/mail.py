"""Outgoing e-mail: SMTP through aiosmtplib when configured, else the outbox directory.

Messages are composed in the request's unit of work and handed to the
`mail.send` task after commit, so a rolled-back request sends nothing and a
slow SMTP server never holds up a page.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, PackageLoader, select_autoescape

from cosmostream import effects
from cosmostream.config import Settings, get_settings
from cosmostream.db import WriteSession
from cosmostream.kit.time import utcnow
from cosmostream.worker import task

log = logging.getLogger(__name__)

_templates = Environment(
    loader=PackageLoader("cosmostream", "web/templates/email"),
    autoescape=select_autoescape(["html"]),
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def render(template: str, to: str, subject: str, **context: Any) -> Mail:
    context.setdefault("subject", subject)
    text = _templates.get_template(f"{template}.txt").render(**context)
    html = _templates.get_template(f"{template}.html").render(**context)
    return Mail(to=to, subject=subject, text=text, html=html)


def queue(mail: Mail) -> None:
    """Send after the current unit of work commits."""
    effects.enqueue("mail.send", asdict(mail))


def build_message(mail: Mail, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="cosmostream.local")
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


async def deliver(mail: Mail, settings: Settings) -> None:
    message = build_message(mail, settings)
    if settings.smtp_host:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=30,
        )
        log.info("mail sent", extra={"to": mail.to, "subject": mail.subject})
        return
    outbox: Path = settings.outbox_dir
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{message['Message-ID'].strip('<>').split('@')[0]}.eml"
    await asyncio.to_thread(_write, outbox / name, bytes(message))
    log.info("mail written to outbox %s (to %s: %s)", outbox / name, mail.to, mail.subject)


@task("mail.send", retries=5, retry_delay=30)
async def send_mail(session: WriteSession, data: dict[str, Any]) -> None:
    await deliver(Mail(**data), get_settings())


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
