"""Sending mail over SMTP: SSL/TLS, STARTTLS or plain (a local relay), with or without login.

The only module that opens an SMTP socket. Errors come out as ``MailError`` whose text says
what a user can do about it: wrong password, no route to the server, a bad certificate.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from crmdesk.services.errors import CrmError


class MailError(CrmError):
    """Connecting, logging in or sending failed; str() is the message for the user."""


@dataclass
class ServerSettings:
    """Where a mail server answers and how to log in; the password is never stored here."""

    host: str
    port: int
    security: str = "ssl"  # ssl | starttls | none
    login: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def explain(exc: BaseException, settings: ServerSettings, what: str = "SMTP") -> str:
    """A connection or protocol error in words a user can act on."""
    where = f"{what}-сервер {settings.where}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where}: неверный логин или пароль ({_reply(exc)})."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where}: сертификат сервера не прошёл проверку — {exc.verify_message}."
    if isinstance(exc, ssl.SSLError):
        return (
            f"{where}: не удалось установить защищённое соединение ({exc.reason}). "
            "Проверьте порт и вид шифрования (SSL/TLS или STARTTLS)."
        )
    if isinstance(exc, socket.gaierror):
        return f"{where}: имя сервера «{settings.host}» не найдено."
    if isinstance(exc, ConnectionRefusedError):
        return f"{where}: соединение отклонено — сервер не принимает подключения на этом порту."
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return f"{where}: сервер не ответил за {settings.timeout:.0f} с (нет маршрута?)."
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return f"{where}: нет связи с сервером ({exc.strerror or exc})."
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where}: сервер не поддерживает {exc}."
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        reasons = "; ".join(f"{a}: {_reply_of(r)}" for a, r in exc.recipients.items())
        return f"Сервер отказался принять адрес: {reasons}."
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} ответил ошибкой: {_reply(exc)}."
    return f"{where}: {exc}"


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return _reply_of((exc.smtp_code, exc.smtp_error))


def _reply_of(reply) -> str:
    code, text = reply
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


class SmtpConnection:
    """One logged-in connection that sends many letters (a mailing keeps it open)."""

    def __init__(self, settings: ServerSettings, context: ssl.SSLContext | None = None):
        self.settings = settings
        self.context = context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> SmtpConnection:
        s = self.settings
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=self.context)
            if s.login:
                smtp.login(s.login, s.password or "")
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(explain(exc, s)) from None
        self._smtp = smtp
        return self

    def __enter__(self) -> SmtpConnection:
        return self.open() if self._smtp is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        """Send one letter; a dropped connection is opened again once."""
        for attempt in (1, 2):
            if self._smtp is None:
                self.open()
            try:
                self._smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt == 2:
                    where = self.settings.where
                    raise MailError(f"SMTP-сервер {where} разорвал соединение.") from None
            except (smtplib.SMTPException, OSError) as exc:
                if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
                    self._smtp = None
                raise MailError(explain(exc, self.settings)) from None


def check(settings: ServerSettings) -> str:
    """Connect and log in; the text to show when it worked."""
    with SmtpConnection(settings):
        pass
    login = f" как {settings.login}" if settings.login else " (без входа)"
    return f"SMTP {settings.where}: соединение установлено{login}."


def compose(
    sender: str,
    to: str | list[str],
    subject: str,
    body: str,
    sender_name: str | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
) -> EmailMessage:
    """A letter: UTF-8 text, attachments (name, mime type, bytes) with names per RFC 2231."""
    msg = EmailMessage()
    msg["From"] = str(Address(sender_name or "", addr_spec=sender)) if sender_name else sender
    msg["To"] = ", ".join(to) if isinstance(to, list) else to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id or make_msgid(domain=sender.rpartition("@")[2] or None)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    for name, mime, data in attachments or []:
        maintype, _, subtype = (mime or "application/octet-stream").partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg
