"""The payment QR code on the invoice: decoded back from the printed PDF and the XLSX."""

import io
import subprocess
from decimal import Decimal

import pytest
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from crmdesk.models import Document, Organization
from crmdesk.reports import print_document
from crmdesk.reports.qr import SETTING, parse_payload, payload
from crmdesk.services.settings import set_setting


def _requisites(ctx):
    org = ctx.session.scalar(select(Organization))
    org.name, org.full_name = "ООО «ТеплоДом»", "ООО «ТеплоДом|Север»"  # «|» must not break it
    org.bank_name, org.corr_account, org.kpp = "ПАО Сбербанк", "30101810400000000225", "770101001"
    ctx.session.flush()
    return org


def _decode_pdf(data: bytes, tmp_path) -> list[str]:
    pdf = tmp_path / "invoice.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    return [b.text for b in zxingcpp.read_barcodes(Image.open(png))]


@pytest.mark.parametrize("invoice", ["inv41", "inv42"])
def test_the_code_read_from_the_pdf_is_the_invoices_payment(uow, bank_base, tmp_path, invoice):
    with uow() as ctx:
        org = _requisites(ctx)
        doc = ctx.session.get(Document, bank_base[invoice])
        data = print_document(ctx, "invoice", doc.id, "pdf")
        expected = {"number": doc.number, "total": doc.total, "acc": org.account,
                    "inn": org.inn}
    [text] = _decode_pdf(data, tmp_path)
    fields = parse_payload(text)
    assert text.startswith("ST00012|Name=")
    assert fields["Name"] == "ООО «ТеплоДом/Север»"
    assert fields["PersonalAcc"] == expected["acc"] == "40702810303800012345"
    assert (fields["BIC"], fields["CorrespAcc"]) == ("044525225", "30101810400000000225")
    assert fields["BankName"] == "ПАО Сбербанк"
    assert (fields["PayeeINN"], fields["KPP"]) == (expected["inn"], "770101001")
    assert Decimal(fields["Sum"]) / 100 == expected["total"]
    assert fields["Purpose"].startswith(f"Оплата по счёту № {expected['number']} от ")
    if invoice == "inv41":
        assert fields["Sum"] == "11840000"
        assert fields["Purpose"].endswith("в т.ч. НДС (22%) 21 350,82")
    else:
        assert fields["Sum"] == "4783050"
        assert fields["Purpose"].endswith("НДС не облагается")


def test_the_code_is_a_picture_in_the_xlsx_and_a_setting_turns_it_off(uow, bank_base, tmp_path):
    with uow() as ctx:
        _requisites(ctx)
        xlsx = print_document(ctx, "invoice", bank_base["inv41"], "xlsx")
    ws = load_workbook(io.BytesIO(xlsx)).active
    [img] = ws._images
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(img._data())))
    assert parse_payload(code.text)["Sum"] == "11840000"
    with uow() as ctx:
        set_setting(ctx.session, SETTING, False)
        pdf = print_document(ctx, "invoice", bank_base["inv41"], "pdf")
        xlsx = print_document(ctx, "invoice", bank_base["inv41"], "xlsx")
    assert _decode_pdf(pdf, tmp_path) == []
    assert load_workbook(io.BytesIO(xlsx)).active._images == []


def test_no_code_without_the_bank_requisites(uow, bank_base):
    with uow() as ctx:
        org = ctx.session.scalar(select(Organization))
        org.corr_account = None
        assert payload(org, ctx.session.get(Document, bank_base["inv41"])) is None
