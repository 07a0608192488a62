"""Communications: mail accounts, SMS providers, templates, mailings and their outbox,
letters (in and out, tied to the history), leads from the inbox.

No secret sits here: an account keeps only ``secret_ref``, the key under which
``crmdesk.services.secrets`` holds its password in the system's credential store.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crmdesk.models.base import Base, IdMixin, Markable, Money, UTCDateTime, utcnow
from crmdesk.models.clients import Client, ContactPerson
from crmdesk.models.users import User

SECURITY = {"ssl": "SSL/TLS", "starttls": "STARTTLS", "none": "Без шифрования"}
CHANNELS = {"email": "E-mail", "sms": "SMS"}
OUTBOX_STATUSES = {
    "pending": "Ожидает",
    "sending": "Отправляется",
    "sent": "Отправлено",
    "delivered": "Доставлено",
    "failed": "Ошибка",
    "skipped": "Пропущено",
    "unknown": "Прервано при отправке",
}
LEAD_STATUSES = {"new": "Новый", "converted": "Стал клиентом", "rejected": "Отклонён"}


class MailAccount(IdMixin, Markable, Base):
    """A mailbox: SMTP for sending, IMAP (optional) for receiving; the office's or a user's."""

    __tablename__ = "mail_accounts"

    name: Mapped[str] = mapped_column(String(100))
    from_address: Mapped[str] = mapped_column(String(200))
    from_name: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    smtp_host: Mapped[str] = mapped_column(String(200))
    smtp_port: Mapped[int] = mapped_column(Integer)
    smtp_security: Mapped[str] = mapped_column(String(10), default="ssl")
    smtp_login: Mapped[str | None] = mapped_column(String(200))
    imap_host: Mapped[str | None] = mapped_column(String(200))
    imap_port: Mapped[int | None] = mapped_column(Integer)
    imap_security: Mapped[str | None] = mapped_column(String(10))
    imap_login: Mapped[str | None] = mapped_column(String(200))
    imap_folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    secret_ref: Mapped[str | None] = mapped_column(String(200))
    per_minute: Mapped[int | None] = mapped_column(Integer)  # letters a minute; None: no limit
    fetch_minutes: Mapped[int | None] = mapped_column(Integer, default=5)
    lead_rule: Mapped[str] = mapped_column(String(10), default="fixed")  # fixed | turns
    lead_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    lead_manager: Mapped[User | None] = relationship(foreign_keys=[lead_manager_id])


class SmsProvider(IdMixin, Markable, Base):
    __tablename__ = "sms_providers"

    kind: Mapped[str] = mapped_column(String(10))  # smsru | smsc
    base_url: Mapped[str] = mapped_column(String(300))
    sender: Mapped[str | None] = mapped_column(String(20))
    login: Mapped[str | None] = mapped_column(String(100))
    secret_ref: Mapped[str | None] = mapped_column(String(200))
    per_minute: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)


class MessageTemplate(IdMixin, Markable, Base):
    __tablename__ = "message_templates"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    advertising: Mapped[bool] = mapped_column(default=False)
    doc_type: Mapped[str | None] = mapped_column(String(10))  # the document it is meant for


class Mailing(IdMixin, Base):
    __tablename__ = "mailings"

    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))
    template_id: Mapped[int] = mapped_column(ForeignKey("message_templates.id"))
    segment: Mapped[dict] = mapped_column(JSON, default=dict)
    advertising: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft|running|done|stopped
    account_id: Mapped[int | None] = mapped_column(ForeignKey("mail_accounts.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("sms_providers.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    template: Mapped[MessageTemplate] = relationship()


class OutboxMessage(IdMixin, Base):
    """One message to one recipient: queued, then sent once; its result stays for the report."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("mailing_id", "address"),)

    mailing_id: Mapped[int | None] = mapped_column(ForeignKey("mailings.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    recipient: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str | None] = mapped_column(String(200))  # e-mail or E.164; None: skipped
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("mail_accounts.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("sms_providers.id"))
    external_id: Mapped[str | None] = mapped_column(String(200), index=True)
    parts: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[Client | None] = relationship()
    contact: Mapped[ContactPerson | None] = relationship()


Index("ix_outbox_mailing_status", OutboxMessage.mailing_id, OutboxMessage.status)


class Lead(IdMixin, Markable, Base):
    """«Потенциальный клиент»: somebody who wrote but is not a client yet."""

    __tablename__ = "leads"

    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(100), default="E-mail")
    status: Mapped[str] = mapped_column(String(10), default="new")
    reject_reason: Mapped[str | None] = mapped_column(Text)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    client: Mapped[Client | None] = relationship()


class Letter(IdMixin, Base):
    """A letter received or sent: its headers, text and where it went in the history.

    A received letter is unique by (account, folder, UIDVALIDITY, UID): a letter once stored
    is never fetched into the history again. ``parent_id`` ties a reply to the letter it
    answers (In-Reply-To / References against ``message_id``)."""

    __tablename__ = "letters"
    __table_args__ = (UniqueConstraint("account_id", "folder", "uidvalidity", "uid"),)

    direction: Mapped[str] = mapped_column(String(3))  # in | out
    account_id: Mapped[int | None] = mapped_column(ForeignKey("mail_accounts.id"))
    folder: Mapped[str | None] = mapped_column(String(200))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(300))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    from_address: Mapped[str | None] = mapped_column(String(200))
    from_name: Mapped[str | None] = mapped_column(String(300))
    to_address: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact_persons.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    parent: Mapped[Letter | None] = relationship(remote_side="Letter.id")


class LetterFile(IdMixin, Base):
    """A file that came with a letter to a lead (a client's letter files go to attachments)."""

    __tablename__ = "letter_files"

    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))


class MailFolderState(Base):
    """How far a folder of a box has been read: its UIDVALIDITY and the last UID taken."""

    __tablename__ = "mail_folder_state"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("mail_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    folder: Mapped[str] = mapped_column(String(200), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
