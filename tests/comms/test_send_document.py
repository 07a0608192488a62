"""Sending a document by e-mail through a real SMTP server, and what the CRM remembers."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from crmdesk.models import Attachment, AuditEntry, Interaction
from crmdesk.services import mail
from crmdesk.services.errors import ValidationError


def _attachment(msg):
    (part,) = list(msg.iter_attachments())
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True)


def test_invoice_goes_as_pdf_to_the_contact_and_is_logged(office, relay):
    with office.uow("ivanov") as ctx:
        letter = mail.send_document(ctx, office.invoice, to="kotova@stroymarket.example")
        letter_id = letter.id
    (sender, rcpts, msg), = relay.items
    assert sender == "office@teplodom.example"
    assert rcpts == ["kotova@stroymarket.example"]
    assert office.invoice_number in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert "Уважаемый(ая) Ирина Сергеевна!" in body
    assert "90 000,00" in body and "25.11.2026" in body
    name, mime, data = _attachment(msg)
    assert mime == "application/pdf" and name.endswith(".pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert office.invoice_number in text
    with office.uow("ivanov") as ctx:
        sent = mail.document_sendings(ctx, office.invoice)
        assert [(s.id, s.to_address) for s in sent] == [(letter_id, "kotova@stroymarket.example")]
        item = ctx.session.get(Interaction, sent[0].interaction_id)
        assert item.kind == "mail_out" and item.client_id == office.market
        assert item.contact_id == office.kotova
        (audit,) = ctx.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "document", AuditEntry.object_id == office.invoice,
            AuditEntry.field == "Отправлен по почте")).all()
        assert audit.new_value.startswith("kotova@stroymarket.example: Счёт на оплату")
        files = ctx.session.scalars(select(Attachment).where(
            Attachment.owner_type == "client", Attachment.owner_id == office.market)).all()
        assert [f.data for f in files] == [data]


def test_xlsx_and_the_default_recipient(office, relay):
    with office.uow("ivanov") as ctx:
        mail.send_document(ctx, office.invoice, fmt="xlsx")
    (_, rcpts, msg), = relay.items
    assert rcpts == ["zakaz@stroymarket.example"]  # the client's own address comes first
    name, mime, data = _attachment(msg)
    assert name.endswith(".xlsx") and "spreadsheetml" in mime
    wb = load_workbook(io.BytesIO(data))
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value]
    assert any(office.invoice_number in c for c in cells)


def test_a_refused_address_logs_nothing_and_says_why(office, relay):
    relay.refuse.add("nobody@stroymarket.example")
    with office.uow("ivanov") as ctx:
        with pytest.raises(mail.smtpmod.MailError, match="nobody@stroymarket.example: 550"):
            mail.send_document(ctx, office.invoice, to="nobody@stroymarket.example")
    with office.uow("ivanov") as ctx:
        assert mail.document_sendings(ctx, office.invoice) == []


def test_bad_input_names_the_field(office, relay):
    with office.uow("ivanov") as ctx:
        with pytest.raises(ValidationError, match="«Кому»"):
            mail.send_document(ctx, office.invoice, to="не адрес")
        with pytest.raises(ValidationError, match="«Формат»"):
            mail.draft_document(ctx, office.invoice, fmt="docx")


def test_draft_is_editable_before_sending(office, relay):
    with office.uow("ivanov") as ctx:
        draft = mail.draft_document(ctx, office.invoice)
        draft.subject, draft.body = "Счёт по вашей заявке", "Ирина, счёт во вложении."
        mail.send_draft(ctx, draft)
    (_, _, msg), = relay.items
    assert msg["Subject"] == "Счёт по вашей заявке"
    assert msg.get_body(("plain",)).get_content().strip() == "Ирина, счёт во вложении."
