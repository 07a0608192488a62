"""Real servers for the communications tests: SMTP (aiosmtpd), IMAP (Dovecot), SMS providers.

Dovecot runs from a throwaway configuration in a temp directory on a free port, with a
passwd-file user and a maildir the tests put real-world letters into. The SMS providers are
small HTTP servers answering as SMS.ru's and SMSC.ru's public API documentation says.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.parse
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from crmdesk.services import secrets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dovecot import Dovecot, executable, free_port  # noqa: E402

SAMPLES = Path(__file__).resolve().parent / "samples"  # copies of ../shared/samples/mail


class MemoryKeyring(KeyringBackend):
    """A credential store of the test process: what a real keyring would keep."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def get_password(self, service, username):
        return self.items.get((service, username))

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


@pytest.fixture
def keyring_store():
    store = MemoryKeyring()
    secrets.use_backend(store)
    yield store
    secrets.use_backend(None)


class Received:
    """What the SMTP server got: (envelope sender, recipients, parsed message)."""

    def __init__(self):
        self.items: list = []
        self.delay = 0.0
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox does not exist"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.items.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    handler = Received()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture(scope="session")
def dovecot():
    if executable() is None:
        pytest.skip("dovecot-imapd is not installed (.ci/run installs it)")
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot):
    """The office's inbox, emptied for this test."""
    dovecot.empty()
    return dovecot


class ProviderServer:
    """A local SMS provider: records requests; ``answers`` maps a phone to an error code."""

    def __init__(self, kind: str):
        self.kind = kind
        self.requests: list[tuple[str, dict]] = []
        self.errors: dict[str, int] = {}
        self.global_error: int | None = None
        self.delivered: set[str] = set()
        self.counter = 1000

    def answer(self, path: str, params: dict) -> dict:
        self.requests.append((path, params))
        return (self._smsru if self.kind == "smsru" else self._smsc)(path, params)

    def _smsru(self, path, p):
        from crmdesk.integrations.sms import sms_parts

        if p.get("api_id") != "test-key":
            return {"status": "ERROR", "status_code": 200, "status_text": "Неправильный api_id"}
        if path == "/sms/send":
            if self.global_error:
                return {"status": "ERROR", "status_code": self.global_error,
                        "status_text": "Ошибка"}
            phone = p["to"]
            if phone in self.errors:
                item = {"status": "ERROR", "status_code": self.errors[phone],
                        "status_text": "Ошибка"}
            else:
                self.counter += 1
                item = {"status": "OK", "status_code": 100,
                        "sms_id": f"000000-{self.counter}"}
            return {"status": "OK", "status_code": 100, "sms": {phone: item},
                    "balance": 100.5, "_parts": sms_parts(p["msg"])[0]}
        if path == "/sms/status":
            sid = p["sms_id"]
            code = 103 if sid in self.delivered else 102
            return {"status": "OK", "status_code": 100, "sms": {sid: {
                "status": "OK", "status_code": code,
                "status_text": "Сообщение доставлено" if code == 103 else "Отправлено"}}}
        return {"status": "ERROR", "status_code": 999}

    def _smsc(self, path, p):
        from crmdesk.integrations.sms import sms_parts

        if p.get("login") != "office" or p.get("psw") != "test-key":
            return {"error": "authorise error", "error_code": 2}
        if path == "/sys/send.php":
            if self.global_error:
                return {"error": "error", "error_code": self.global_error}
            phone = p["phones"]
            if phone in self.errors:
                return {"error": "error", "error_code": self.errors[phone]}
            self.counter += 1
            parts = sms_parts(p["mes"])[0]
            return {"id": self.counter, "cnt": parts, "cost": f"{parts * 2.5:.2f}",
                    "balance": "100.50"}
        if path == "/sys/status.php":
            status = 1 if p["id"] in self.delivered else 0
            return {"status": status, "last_date": "01.12.2026 12:00:00", "err": 0}
        return {"error": "unknown", "error_code": 1}


def _serve(provider: ProviderServer):
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, params):
            path = urllib.parse.urlsplit(self.path).path
            body = json.dumps(provider.answer(path, params), ensure_ascii=False).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802
            query = urllib.parse.urlsplit(self.path).query
            self._reply(dict(urllib.parse.parse_qsl(query)))

        def do_POST(self):  # noqa: N802
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            self._reply(dict(urllib.parse.parse_qsl(data)))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server


@pytest.fixture(params=["smsru", "smsc"])
def sms_server(request):
    provider = ProviderServer(request.param)
    server = _serve(provider)
    yield provider
    server.shutdown()


@pytest.fixture
def office(uow):
    """Organization requisites, and the clients the letters of the samples come from."""
    from datetime import date
    from decimal import Decimal
    from types import SimpleNamespace

    from sqlalchemy import select, update

    from crmdesk.models import Organization, User
    from crmdesk.services.clients import create_client
    from crmdesk.services.documents import create_document, post

    with uow() as ctx:
        org = ctx.session.scalar(select(Organization))
        org.name, org.inn, org.kpp = "ООО «ТеплоДом»", "7729141771", "770101001"
        org.bank_name, org.bik = "ПАО Сбербанк", "044525225"
        org.corr_account, org.account = "30101810400000000225", "40702810038000012345"
        ctx.session.execute(update(User).where(User.login == "ivanov").values(
            phone="+79161234567", email="ivanov@teplodom.example"))
    with uow("ivanov") as ctx:
        market = create_client(ctx, {
            "name": "ООО «СтройМаркет»", "emails": ["zakaz@stroymarket.example"],
            "phones": ["+7 912 345-67-89"],
            "contacts": [{"name": "Котова Ирина Сергеевна",
                          "emails": ["kotova@stroymarket.example"],
                          "phones": ["+7 916 111-22-33"]},
                         {"name": "Бухгалтерия", "emails": ["buh@stroymarket.example"]}],
        })
        agro = create_client(ctx, {"name": "АО «Агроснаб»",
                                   "emails": ["logist@agrosnab.example"]})
        invoice = create_document(ctx, "invoice", market.id, {
            "date": date(2026, 11, 20), "due_date": date(2026, 11, 25),
            "lines": [{"description": "Котёл газовый 24 кВт", "quantity": 2,
                       "price": Decimal("45000")}]})
        post(ctx, invoice.id)
        return SimpleNamespace(market=market.id, agro=agro.id, invoice=invoice.id,
                               invoice_number=invoice.number,
                               kotova=market.contacts[0].id, uow=uow)


@pytest.fixture
def relay(uow, smtp_server, keyring_store):
    """The office's box: a local relay without login (smtp://), the test SMTP server."""
    from crmdesk.services import mail

    with uow() as ctx:
        mail.set_account(ctx, f"smtp://127.0.0.1:{smtp_server.port}",
                         "office@teplodom.example", from_name="ООО «ТеплоДом»")
    return smtp_server
