"""The inbox into the history: letters fetched over IMAP become interactions or leads.

A letter from a client's or contact person's address becomes «Входящее письмо» on that
client (text, files, the contact person); a letter from an unknown address becomes a lead
with a task for the responsible manager; a reply is tied to the letter it answers.

Nothing is fetched twice and nothing is lost: each letter is stored together with the
folder's new read position (UIDVALIDITY + last UID) in one transaction, so a program stopped
in the middle continues with the next letter; if the server renumbers the folder (a new
UIDVALIDITY), letters already stored are recognised by their Message-ID.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, select

from crmdesk.integrations.imap import ImapBox, ParsedLetter, parse_letter
from crmdesk.models import (
    Attachment,
    ClientEmail,
    ContactEmail,
    ContactPerson,
    Interaction,
    utcnow,
)
from crmdesk.models.comms import Lead, Letter, LetterFile, MailAccount, MailFolderState
from crmdesk.services import leads
from crmdesk.services.context import Context, unit_of_work
from crmdesk.services.errors import ValidationError
from crmdesk.services.settings import phone_region
from crmdesk.services.validation import validate_email

BATCH = 50


@dataclass
class Fetched:
    account: str
    uid: int
    kind: str  # interaction | lead | lead_letter | duplicate
    sender: str
    subject: str
    client_id: int | None = None
    lead_id: int | None = None
    interaction_id: int | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _normal(address: str) -> str:
    try:
        return validate_email(address) or address
    except ValidationError:
        return address


def find_sender(session, address: str):
    """(client_id, contact_id) of a known address, or (None, None)."""
    if not address:
        return None, None
    variants = list(dict.fromkeys([_normal(address), address, address.lower()]))
    client_id = session.scalar(select(ClientEmail.client_id)
                               .where(ClientEmail.email.in_(variants)).limit(1))
    if client_id is not None:
        return client_id, None
    row = session.execute(
        select(ContactPerson.client_id, ContactPerson.id).join(
            ContactEmail, ContactEmail.contact_id == ContactPerson.id)
        .where(ContactEmail.email.in_(variants), ContactPerson.deletion_mark.is_(False))
        .limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def _store_files(session, letter: Letter, files, owner_type: str, owner_id: int,
                 user_id: int | None) -> None:
    for name, mime, data in files:
        file = Attachment(owner_type=owner_type, owner_id=owner_id, name=name[:300],
                          mime=(mime or "")[:100], size=len(data), data=data,
                          added_by_id=user_id, added_at=utcnow())
        session.add(file)
        session.flush()
        session.add(LetterFile(letter_id=letter.id, attachment_id=file.id))


def ingest(ctx: Context, account: MailAccount, folder: str, uidvalidity: int, uid: int,
           raw: bytes) -> Fetched:
    """Store one fetched letter where it belongs (the caller commits it with the position)."""
    s = ctx.session
    p: ParsedLetter = parse_letter(raw)
    found = Fetched(account.name, uid, "duplicate", p.from_address, p.subject)
    if p.message_id and s.scalar(select(Letter.id).where(
            Letter.message_id == p.message_id, Letter.direction == "in",
            Letter.account_id == account.id).limit(1)):
        return found
    parent = None
    if p.in_reply_to:
        parent = s.scalar(select(Letter).where(Letter.message_id.in_(p.in_reply_to))
                          .order_by(Letter.id).limit(1))
    client_id, contact_id = find_sender(s, p.from_address)
    if client_id is None and parent is not None and parent.client_id is not None:
        client_id = parent.client_id  # an answer from another address of the same firm
    letter = Letter(direction="in", account_id=account.id, folder=folder,
                    uidvalidity=uidvalidity, uid=uid, message_id=p.message_id,
                    in_reply_to=p.in_reply_to[0] if p.in_reply_to else None,
                    parent_id=parent.id if parent else None,
                    from_address=p.from_address[:200], from_name=p.from_name[:300] or None,
                    to_address=", ".join(p.to), subject=p.subject[:500], body=p.text, at=p.date,
                    client_id=client_id, contact_id=contact_id)
    s.add(letter)
    s.flush()
    if client_id is not None:
        item = Interaction(client_id=client_id, contact_id=contact_id, kind="mail_in",
                           gist=leads.letter_gist(letter), occurred_at=p.date,
                           user_id=account.user_id)
        s.add(item)
        s.flush()
        letter.interaction_id = item.id
        _store_files(s, letter, p.files, "client", client_id, None)
        found.kind, found.client_id, found.interaction_id = "interaction", client_id, item.id
        return found
    lead = None
    if parent is not None and parent.lead_id is not None:
        lead = s.get(Lead, parent.lead_id)
    if lead is None and p.from_address:
        lead = s.scalar(select(Lead).where(Lead.email == p.from_address.lower(),
                                           Lead.status == "new").limit(1))
    if lead is None:
        phone = leads.phone_in_text(p.text, phone_region(s))
        lead = leads.create_lead(s, p.from_name or p.from_address,
                                 p.from_address.lower() or None, phone, account, ctx.user,
                                 p.subject)
        found.kind = "lead"
    else:
        found.kind = "lead_letter"
    letter.lead_id = lead.id
    _store_files(s, letter, p.files, "letter", letter.id, None)
    found.lead_id = lead.id
    return found


def _position(session, account_id: int, folder: str, uidvalidity: int) -> MailFolderState:
    state = session.get(MailFolderState, (account_id, folder))
    if state is None:
        state = MailFolderState(account_id=account_id, folder=folder, uidvalidity=uidvalidity,
                                last_uid=0)
        session.add(state)
    elif state.uidvalidity != uidvalidity:  # the server renumbered the folder
        state.uidvalidity, state.last_uid = uidvalidity, 0
    session.flush()
    return state


def fetch_account(engine: Engine, account_id: int, login: str | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  stop=None) -> list[Fetched]:
    from crmdesk.services.mail import imap_settings

    with unit_of_work(engine, login) as ctx:
        account = ctx.session.get(MailAccount, account_id)
        settings = imap_settings(account)
        folder = account.imap_folder or "INBOX"
    out: list[Fetched] = []
    with ImapBox(settings) as box:
        uidvalidity = box.select(folder)
        with unit_of_work(engine, login) as ctx:
            last = _position(ctx.session, account_id, folder, uidvalidity).last_uid
        uids = box.uids_after(last)
        for start in range(0, len(uids), BATCH):
            chunk = uids[start:start + BATCH]
            raws = box.fetch(chunk)
            for uid in chunk:
                if stop is not None and stop.is_set():
                    return out
                with unit_of_work(engine, login) as ctx:
                    account = ctx.session.get(MailAccount, account_id)
                    state = _position(ctx.session, account_id, folder, uidvalidity)
                    if uid <= state.last_uid:
                        continue  # another process took it meanwhile
                    if uid in raws:
                        out.append(ingest(ctx, account, folder, uidvalidity, uid, raws[uid]))
                    state.last_uid, state.fetched_at = uid, utcnow()
            if progress:
                progress(min(start + BATCH, len(uids)), len(uids))
    return out


def fetch_all(engine: Engine, login: str | None = None, progress=None,
              stop=None) -> list[Fetched]:
    """Fetch every box that has IMAP set up, once."""
    with unit_of_work(engine, login) as ctx:
        ids = list(ctx.session.scalars(select(MailAccount.id).where(
            MailAccount.deletion_mark.is_(False), MailAccount.imap_host.is_not(None))
            .order_by(MailAccount.id)))
    out = []
    for account_id in ids:
        out += fetch_account(engine, account_id, login, progress, stop)
    return out


def interaction_rows(ctx: Context, limit: int = 50, offset: int = 0) -> list[dict]:
    """The latest interactions the user may see (``crmdesk list interactions``)."""
    from crmdesk.models import Client
    from crmdesk.models.crm import INTERACTION_KINDS
    from crmdesk.services import rights

    stmt = (select(Interaction, Client.name).join(Client, Client.id == Interaction.client_id)
            .where(rights.client_filter(ctx.user), Interaction.deletion_mark.is_(False))
            .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
            .limit(limit).offset(offset))
    return [
        {
            "id": i.id,
            "when": i.occurred_at.isoformat(),
            "kind": i.kind,
            "kind_text": INTERACTION_KINDS.get(i.kind, i.kind),
            "client_id": i.client_id,
            "client": name,
            "contact": i.contact.name if i.contact else None,
            "gist": i.gist.splitlines()[0] if i.gist else "",
        }
        for i, name in ctx.session.execute(stmt)
    ]
