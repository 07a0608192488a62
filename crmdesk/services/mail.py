"""Mail accounts and sending documents by e-mail.

An account is the office's shared box (``user_id`` empty) or one user's box; a user sends
from own box when there is one, otherwise from the office's. Its password is kept through
``crmdesk.services.secrets`` — the database holds only the key it is stored under.

Sending a document: the print form is attached (PDF or XLSX), subject and body come from a
template (editable before sending), the letter is logged as an interaction «Исходящее
письмо» on the client with the attachment kept, and the document remembers when and to whom
it went (``Letter.document_id``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from crmdesk.integrations import imap as imapmod
from crmdesk.integrations import smtp as smtpmod
from crmdesk.integrations.smtp import ServerSettings
from crmdesk.models import (
    Attachment,
    AuditEntry,
    Client,
    Document,
    Interaction,
    User,
    utcnow,
)
from crmdesk.models.comms import Letter, LetterFile, MailAccount
from crmdesk.services import rights, secrets
from crmdesk.services.context import Context
from crmdesk.services.errors import NotFound, ValidationError
from crmdesk.services.settings import database_id
from crmdesk.services.validation import validate_email

PASSWORD_ENV = "CRMDESK_MAIL_PASSWORD"
SCHEMES = {  # scheme → (protocol, security, default port)
    "smtp": ("smtp", "none", 25),
    "smtps": ("smtp", "ssl", 465),
    "smtp+starttls": ("smtp", "starttls", 587),
    "imap": ("imap", "none", 143),
    "imaps": ("imap", "ssl", 993),
    "imap+starttls": ("imap", "starttls", 143),
}


@dataclass
class ServerUrl:
    protocol: str
    security: str
    host: str
    port: int
    login: str | None


def parse_server_url(url: str, field: str, protocol: str) -> ServerUrl:
    """smtp[s]://USER@HOST:PORT (smtp+starttls:// for STARTTLS); no user: no login."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError as exc:
        raise ValidationError(field, f"«{url}»: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or SCHEMES[scheme][0] != protocol:
        allowed = ", ".join(s + "://" for s, v in SCHEMES.items() if v[0] == protocol)
        raise ValidationError(field, f"«{url}»: адрес должен начинаться с {allowed}")
    if not parts.hostname:
        raise ValidationError(field, f"«{url}»: не указан сервер")
    _, security, default_port = SCHEMES[scheme]
    login = unquote(parts.username) if parts.username else None
    return ServerUrl(protocol, security, parts.hostname, port or default_port, login)


def _secret_ref(ctx: Context, account: MailAccount) -> str:
    return secrets.secret_key(database_id(ctx.session), "mail", f"account-{account.id}")


def set_account(
    ctx: Context,
    smtp_url: str,
    from_address: str,
    imap_url: str | None = None,
    for_login: str | None = None,
    password: str | None = None,
    name: str | None = None,
    from_name: str | None = None,
    per_minute: int | None = None,
    lead_rule: str | None = None,
    lead_manager: str | None = None,
    fetch_minutes: int | None = None,
) -> tuple[MailAccount, str | None]:
    """Create or change the office's box (or a user's); returns it and where the password
    went («keyring» or «memory»; None when no password was given). The administrator sets
    any box; a user, only their own."""
    if for_login != ctx.user.login or lead_rule or lead_manager:
        rights.require(ctx.user, rights.ADMIN)
    smtp = parse_server_url(smtp_url, "SMTP", "smtp")
    imap = parse_server_url(imap_url, "IMAP", "imap") if imap_url else None
    sender = validate_email(from_address, "От кого")
    if not sender:
        raise ValidationError("От кого", "не заполнено")
    user = None
    if for_login:
        user = ctx.session.scalar(select(User).where(User.login == for_login))
        if user is None:
            raise NotFound(f"Поле «Пользователь»: пользователь «{for_login}» не найден.")
    if per_minute is not None and per_minute <= 0:
        raise ValidationError("Писем в минуту", "должно быть больше нуля")
    if lead_rule is not None and lead_rule not in ("fixed", "turns"):
        raise ValidationError("Ответственный за лиды", "можно fixed или turns")
    manager = None
    if lead_manager:
        manager = ctx.session.scalar(select(User).where(User.login == lead_manager))
        if manager is None:
            raise NotFound(f"Поле «Менеджер лидов»: пользователь «{lead_manager}» не найден.")
    stmt = select(MailAccount).where(
        MailAccount.user_id == user.id if user else MailAccount.user_id.is_(None),
        MailAccount.deletion_mark.is_(False),
    )
    account = ctx.session.scalar(stmt.order_by(MailAccount.id).limit(1)) or MailAccount()
    account.name = name or (f"Почта {user.login}" if user else "Общая почта офиса")
    account.from_address, account.from_name, account.user_id = sender, from_name, (
        user.id if user else None)
    account.smtp_host, account.smtp_port = smtp.host, smtp.port
    account.smtp_security, account.smtp_login = smtp.security, smtp.login
    if imap:
        account.imap_host, account.imap_port = imap.host, imap.port
        account.imap_security, account.imap_login = imap.security, imap.login
    account.imap_folder = account.imap_folder or "INBOX"
    if per_minute is not None:
        account.per_minute = per_minute
    if fetch_minutes is not None:
        account.fetch_minutes = fetch_minutes
    if lead_rule:
        account.lead_rule = lead_rule
    if manager is not None:
        account.lead_manager_id = manager.id
    account.lead_rule = account.lead_rule or "fixed"
    ctx.session.add(account)
    ctx.session.flush()
    account.secret_ref = _secret_ref(ctx, account)
    where = secrets.store_secret(account.secret_ref, password) if password else None
    ctx.session.flush()
    return account, where


def accounts(ctx: Context) -> list[MailAccount]:
    return list(ctx.session.scalars(
        select(MailAccount).where(MailAccount.deletion_mark.is_(False)).order_by(MailAccount.id)))


def account_for(session, user: User | None) -> MailAccount:
    """The user's own box, else the office's shared box."""
    base = select(MailAccount).where(MailAccount.deletion_mark.is_(False))
    own = session.scalar(base.where(MailAccount.user_id == user.id)) if user else None
    account = own or session.scalar(base.where(MailAccount.user_id.is_(None)).limit(1))
    if account is None:
        raise NotFound("Почта не настроена: задайте учётную запись в «Администрирование → "
                       "Почта» или командой «crmdesk mail account».")
    return account


def _password(account: MailAccount, login: str | None) -> str | None:
    if not login:
        return None
    return secrets.require_secret(account.secret_ref or "", f"пароль почты {account.name}",
                                  PASSWORD_ENV)


def smtp_settings(account: MailAccount) -> ServerSettings:
    return ServerSettings(account.smtp_host, account.smtp_port, account.smtp_security,
                          account.smtp_login, _password(account, account.smtp_login))


def imap_settings(account: MailAccount) -> ServerSettings:
    if not account.imap_host:
        raise ValidationError("IMAP", f"у учётной записи «{account.name}» не задан сервер IMAP")
    return ServerSettings(account.imap_host, account.imap_port, account.imap_security or "ssl",
                          account.imap_login, _password(account, account.imap_login or "-"))


def check_account(ctx: Context, account_id: int) -> list[str]:
    """«Проверить»: connect and log in to SMTP (and IMAP); raises MailError on failure."""
    account = ctx.session.get(MailAccount, account_id)
    if account is None:
        raise NotFound(f"Учётная запись почты с кодом {account_id} не найдена.")
    done = [smtpmod.check(smtp_settings(account))]
    if account.imap_host:
        done.append(imapmod.check(imap_settings(account), account.imap_folder))
    return done


def recipients(ctx: Context, client_id: int) -> list[dict]:
    """The client's and its contact persons' addresses, for the «Кому» list."""
    client = ctx.session.get(Client, client_id)
    if client is None:
        raise NotFound(f"Клиент с кодом {client_id} не найден.")
    rights.check_read_client(ctx.user, client)
    out = [{"email": e.email, "name": client.name, "contact_id": None} for e in client.emails]
    for person in client.contacts:
        if not person.deletion_mark:
            out += [{"email": e.email, "name": person.name, "contact_id": person.id}
                    for e in person.emails]
    return out


FORMS = {"invoice": "invoice", "order": "order", "proposal": "proposal"}


@dataclass
class Draft:
    """A letter ready to be shown and edited before sending."""

    document_id: int
    to: str
    contact_id: int | None
    subject: str
    body: str
    file_name: str
    mime: str
    data: bytes
    fmt: str


def draft_document(ctx: Context, document_id: int, to: str | None = None, fmt: str = "pdf",
                   template: str | None = None) -> Draft:
    from crmdesk.reports import PRINT_FORMS, document_file_name, print_document
    from crmdesk.services import templates

    doc = ctx.session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"Документ с кодом {document_id} не найден.")
    rights.check_read_client(ctx.user, doc.client)
    if doc.doc_type not in PRINT_FORMS:
        raise ValidationError("Документ", f"«{doc.title}» не имеет печатной формы для отправки")
    if fmt not in PRINT_FORMS[doc.doc_type][1]:
        raise ValidationError("Формат", f"«{PRINT_FORMS[doc.doc_type][0]}» печатается только в "
                              + ", ".join(f.upper() for f in PRINT_FORMS[doc.doc_type][1]))
    known = recipients(ctx, doc.client_id)
    contact_id = None
    if to:
        address = validate_email(to, "Кому")
        match = next((r for r in known if r["email"].lower() == address.lower()), None)
        contact_id = match["contact_id"] if match else None
    else:
        preferred = [r for r in known if doc.contact_id and r["contact_id"] == doc.contact_id]
        pick = (preferred or known or [None])[0]
        if pick is None:
            raise ValidationError("Кому", f"у клиента «{doc.client.name}» нет адреса e-mail; "
                                  "укажите адрес")
        address, contact_id = pick["email"], pick["contact_id"]
    if template:
        tpl = templates.get_template(ctx, template)
    else:
        tpl = next((t for t in templates.list_templates(ctx, "email")
                    if t.doc_type == doc.doc_type), None)
        if tpl is None:
            raise NotFound(f"Нет шаблона письма для «{doc.title}»: укажите шаблон.")
    contact = next((p for p in doc.client.contacts if p.id == contact_id), None)
    text = templates.fill(ctx, tpl, doc.client, contact, doc)
    data = print_document(ctx, FORMS[doc.doc_type], doc.id, fmt)
    mime = "application/pdf" if fmt == "pdf" else (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return Draft(doc.id, address, contact_id, text.subject, text.body,
                 document_file_name(ctx, FORMS[doc.doc_type], doc.id, fmt), mime, data, fmt)


def send_draft(ctx: Context, draft: Draft, connection=None) -> Letter:
    """Send the (edited) letter, then log it on the client; nothing is logged if sending
    failed, and a failure says why (MailError)."""
    rights.require(ctx.user, rights.INTERACTIONS)
    doc = ctx.session.get(Document, draft.document_id)
    to = validate_email(draft.to, "Кому")
    if not to:
        raise ValidationError("Кому", "не заполнено")
    if not draft.subject.strip():
        raise ValidationError("Тема", "не заполнено")
    account = account_for(ctx.session, ctx.user)
    message = smtpmod.compose(account.from_address, to, draft.subject, draft.body,
                              sender_name=account.from_name,
                              attachments=[(draft.file_name, draft.mime, draft.data)])
    if connection is None:
        with smtpmod.SmtpConnection(smtp_settings(account)) as conn:
            conn.send(message)
    else:
        connection.send(message)
    return _log_sent(ctx, doc, account, to, draft, message["Message-ID"])


def _log_sent(ctx: Context, doc: Document, account: MailAccount, to: str, draft: Draft,
              message_id: str) -> Letter:
    now = utcnow()
    gist = f"{draft.subject}\nКому: {to}\nВложение: {draft.file_name}"
    item = Interaction(client_id=doc.client_id, contact_id=draft.contact_id, kind="mail_out",
                       gist=gist, occurred_at=now, user_id=ctx.user.id, deal_id=doc.deal_id)
    ctx.session.add(item)
    ctx.session.flush()
    letter = Letter(direction="out", account_id=account.id, message_id=message_id,
                    from_address=account.from_address, to_address=to, subject=draft.subject,
                    body=draft.body, at=now, client_id=doc.client_id,
                    contact_id=draft.contact_id, interaction_id=item.id, document_id=doc.id,
                    user_id=ctx.user.id)
    ctx.session.add(letter)
    ctx.session.flush()
    file = Attachment(owner_type="client", owner_id=doc.client_id, name=draft.file_name,
                      mime=draft.mime, size=len(draft.data), data=draft.data,
                      added_by_id=ctx.user.id, added_at=now)
    ctx.session.add(file)
    ctx.session.flush()
    ctx.session.add(LetterFile(letter_id=letter.id, attachment_id=file.id))
    # the document's «История» tab shows when, by whom and to whom it was sent
    ctx.session.add(AuditEntry(user_id=ctx.user.id, object_type="document", object_id=doc.id,
                               field="Отправлен по почте", at=now,
                               new_value=f"{to}: {draft.subject} ({draft.file_name})"))
    ctx.session.flush()
    return letter


def send_document(ctx: Context, document_id: int, to: str | None = None, fmt: str = "pdf",
                  template: str | None = None) -> Letter:
    return send_draft(ctx, draft_document(ctx, document_id, to, fmt, template))


def document_sendings(ctx: Context, document_id: int) -> list[Letter]:
    """When and to whom the document was sent, newest first."""
    return list(ctx.session.scalars(
        select(Letter).where(Letter.document_id == document_id, Letter.direction == "out")
        .order_by(Letter.at.desc())))


def find_document(ctx: Context, doc_type: str, number: str) -> Document:
    number = number.strip()
    stmt = select(Document.id).where(Document.doc_type == doc_type)
    if re.fullmatch(r"\d{1,6}", number):
        stmt = stmt.where(Document.number.like(f"%-{int(number):06d}")).order_by(
            Document.year.desc())
    else:
        stmt = stmt.where(Document.number == number)
    doc_id = ctx.session.scalar(stmt.limit(1))
    if doc_id is None:
        raise NotFound(f"Документ № {number} ({doc_type}) не найден.")
    return ctx.session.get(Document, doc_id)
