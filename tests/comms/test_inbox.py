"""Fetching real-world letters from a real IMAP server (Dovecot) into history and leads."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crmdesk.integrations.smtp import MailError
from crmdesk.models import Attachment, Client, Interaction, Task, User
from crmdesk.models.comms import Lead, Letter, MailFolderState
from crmdesk.services import inbox, leads, mail
from crmdesk.services.errors import ValidationError

SAMPLES = Path(__file__).resolve().parent / "samples"  # copies of ../shared/samples/mail


@pytest.fixture
def imap_account(office, mailbox, smtp_server, keyring_store):
    with office.uow() as ctx:
        account, where = mail.set_account(
            ctx, f"smtp://127.0.0.1:{smtp_server.port}", "office@teplodom.example",
            imap_url=f"imap://office@127.0.0.1:{mailbox.port}", password=mailbox.password,
            lead_manager="petrov")
        assert where == "keyring" and account.secret_ref
    return mailbox


def deliver_samples(box, names=None):
    for path in sorted(SAMPLES.glob("*.eml")):
        if names is None or path.name[:2] in names:
            box.deliver(path.read_bytes())


def test_real_letters_land_in_the_history_and_leads(office, imap_account, team):
    deliver_samples(imap_account)
    got = inbox.fetch_all(team)
    assert sorted(g.kind for g in got) == ["interaction"] * 4 + ["lead"]
    with office.uow() as ctx:
        s = ctx.session
        by_id = {x.message_id.split(".")[-1]: x for x in s.scalars(select(Letter))}
        first, reply, html, card, unknown = (by_id[k] for k in (
            "sm@localhost>", "sm2@localhost>", "as@localhost>", "sm3@localhost>",
            "new@localhost>"))
        # Windows-1251, quoted-printable, RFC 2047 sender: a contact person of the client
        assert first.client_id == office.market and first.contact_id == office.kotova
        assert first.from_name == "Ирина Котова" and first.subject == "Счёт на котлы"
        assert "котёл газовый 24 кВт, 2 шт." in first.body
        item = s.get(Interaction, first.interaction_id)
        assert item.kind == "mail_in" and "котёл газовый" in item.gist
        # KOI8-R base64 reply, tied by In-Reply-To
        assert reply.parent_id == first.id and reply.subject == "Re: Счёт на котлы"
        assert reply.body == "Счёт получили, оплатим до пятницы."
        # HTML only: text without tags, sender encoded whole in one word
        assert html.client_id == office.agro
        assert "Подтверждаем заказ ЗК-2026-000051." in html.body and "<" not in html.body
        # an attachment with a Cyrillic name (RFC 2231) kept as the client's file
        files = s.scalars(select(Attachment).where(Attachment.owner_type == "client",
                                                   Attachment.owner_id == office.market)).all()
        assert [f.name for f in files] == ["Карточка предприятия ООО СтройМаркет.pdf"]
        assert files[0].data.startswith(b"%PDF")
        assert card.client_id == office.market
        # an unknown sender: a lead with the phone from the text and a task for the manager
        lead = s.get(Lead, unknown.lead_id)
        assert (lead.name, lead.email, lead.phone, lead.source) == (
            "Андрей", "andrey.dom@mail.example", "+79165554433", "E-mail")
        task = s.get(Task, lead.task_id)
        assert task.executor.login == "petrov" and "Андрей" in task.title
    assert inbox.fetch_all(team) == []  # nothing is fetched twice


def test_stopped_midway_continues_without_loss_or_repeat(office, imap_account, team):
    deliver_samples(imap_account)

    class StopAfter:
        def __init__(self, n):
            self.calls, self.n = 0, n

        def is_set(self):
            self.calls += 1
            return self.calls > self.n

    assert len(inbox.fetch_all(team, stop=StopAfter(2))) == 2
    assert len(inbox.fetch_all(team)) == 3
    with office.uow() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Letter)) == 5
        assert ctx.session.scalar(select(func.count()).select_from(Interaction).where(
            Interaction.kind == "mail_in")) == 4


def test_a_renumbered_folder_is_not_fetched_again(office, imap_account, team):
    deliver_samples(imap_account, {"01", "05"})
    assert len(inbox.fetch_all(team)) == 2
    with office.uow() as ctx:  # as if the server had renumbered the folder since
        (state,) = ctx.session.scalars(select(MailFolderState)).all()
        assert state.last_uid >= 2
        state.uidvalidity -= 1
    deliver_samples(imap_account, {"02"})
    got = inbox.fetch_all(team)
    assert sorted(g.kind for g in got) == ["duplicate", "duplicate", "interaction"]
    with office.uow() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Letter)) == 3


def test_lead_becomes_a_client_with_its_history(office, imap_account, team):
    deliver_samples(imap_account, {"05"})
    (got,) = inbox.fetch_all(team)
    with office.uow("head") as ctx:
        client = leads.convert_lead(ctx, got.lead_id)
        assert client.name == "Андрей" and client.source == "E-mail"
        assert [e.email for e in client.emails] == ["andrey.dom@mail.example"]
        assert [p.e164 for p in client.phones] == ["+79165554433"]
        assert client.owner.login == "petrov"
        history = ctx.session.scalars(select(Interaction).where(
            Interaction.client_id == client.id)).all()
        assert [h.kind for h in history] == ["mail_in"] and "монтаж" in history[0].gist
        with pytest.raises(ValidationError, match="уже стал клиентом"):
            leads.convert_lead(ctx, got.lead_id)
    # the next letter from the same address now goes to the client
    imap_account.deliver((SAMPLES / "05_unknown_sender_lead.eml").read_bytes().replace(
        b".new@localhost", b".new2@localhost"))
    (again,) = inbox.fetch_all(team)
    assert again.kind == "interaction" and again.client_id == client.id


def test_rejected_lead_keeps_the_reason_and_cancels_the_task(office, imap_account, team):
    deliver_samples(imap_account, {"05"})
    (got,) = inbox.fetch_all(team)
    with office.uow("head") as ctx:
        with pytest.raises(ValidationError, match="«Причина отказа»"):
            leads.reject_lead(ctx, got.lead_id, " ")
        lead = leads.reject_lead(ctx, got.lead_id, "Спам")
        assert lead.status == "rejected" and lead.reject_reason == "Спам"
        assert ctx.session.get(Task, lead.task_id).status == "cancelled"


def test_leads_by_turns(office, imap_account, team):
    with office.uow() as ctx:
        mail.set_account(ctx, f"smtp://127.0.0.1:{imap_account.port}",
                         "office@teplodom.example", lead_rule="turns")
    for n in range(3):
        raw = (SAMPLES / "05_unknown_sender_lead.eml").read_bytes()
        imap_account.deliver(raw.replace(b"new@localhost", f"n{n}@localhost".encode())
                             .replace(b"From: =?utf-8?b?0JDQvdC00YDQtdC5IDxhbmRyZXkuZG9tQG1haWwu"
                                      b"ZXhhbXBsZT4=?=", f"From: x{n}@mail.example".encode()))
    got = inbox.fetch_all(team)
    with office.uow() as ctx:
        got.sort(key=lambda g: g.lead_id)
        managers = [ctx.session.get(Lead, g.lead_id).manager.login for g in got]
        assert managers == ["ivanov", "petrov", "ivanov"]
        assert ctx.session.scalar(select(func.count()).select_from(User)) >= 3


def test_wrong_password_is_named(office, imap_account, team, keyring_store):
    with office.uow() as ctx:
        account = mail.account_for(ctx.session, None)
        keyring_store.set_password("crmdesk", account.secret_ref, "wrong")
        with pytest.raises(MailError, match="неверный логин или пароль"):
            mail.check_account(ctx, account.id)
    assert ctx.session is not None
    with office.uow() as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Client)) == 2
