"""Communications at scale: a mailing of 10,000 e-mails, and fetching 1,000 letters.

    python benchmarks/mail.py send  [--letters 10000] [--db URL of a new, empty base]
    python benchmarks/mail.py fetch --db sqlite:////tmp/bench/crm1m-mail.sqlite [--letters 1000]

send: a fresh SQLite base (or the empty one given) with N clients, each with an address and
consent; a mailing to all of them through a local SMTP server (aiosmtpd in another process).
Prints the time per letter of the mailing, the time per letter of plain smtplib to the same
server, their difference (what crmdesk adds per letter: its outbox rows and commits), and
the process's memory (RSS) at 10 %, 50 % and 100 % of the letters — flat means the mailing
does not grow with the number of letters.

fetch: into the given base (a million clients: benchmarks/foundation.py fills one; it is
brought to the current schema first — use a copy), 1,000 letters delivered into a throwaway
Dovecot: 70 % from addresses of clients in the base, 30 % from unknown senders (leads).
Prints the total time of ``crmdesk mail fetch`` and letters per second.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import smtplib
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "comms"))


def say(line: str) -> None:
    print(line, flush=True)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _smtp_server(port: int, ready) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def bench_send(letters: int, db: str | None = None) -> None:
    from dovecot import free_port

    from crmdesk.db import open_database
    from crmdesk.models import Client, ClientEmail
    from crmdesk.services import mail, mailings
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.setup import initialize

    tmp = Path(tempfile.mkdtemp(prefix="crmdesk-bench-mail-"))
    engine = open_database(db or f"sqlite:///{tmp / 'crm.sqlite'}")  # db: a new, empty base
    say(f"base: {engine.dialect.name}")
    initialize(engine)
    with engine.begin() as conn:
        conn.execute(insert(Client), [
            {"name": f"Клиент {n}", "kind": "company", "search_name": f"клиент {n}",
             "search_text": "", "consent_email": True, "version": 1, "deletion_mark": False}
            for n in range(letters)])
        ids = [r[0] for r in conn.execute(select(Client.id).order_by(Client.id))]
        conn.execute(insert(ClientEmail), [{"client_id": i, "email": f"c{i}@bench.example"}
                                           for i in ids])
    port = free_port()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=_smtp_server, args=(port, ready), daemon=True)
    server.start()
    ready.wait(10)
    try:
        with unit_of_work(engine) as ctx:
            mail.set_account(ctx, f"smtp://127.0.0.1:{port}", "office@bench.example")
        t = time.perf_counter()
        with unit_of_work(engine) as ctx:
            mid = mailings.create_mailing(ctx, "Заявка зарегистрирована").id
        made = time.perf_counter() - t
        say(f"outbox of {letters} letters made in {made:.1f} s "
            f"({made / letters * 1000:.2f} ms per letter)")
        marks = {max(1, letters // 10): "10 %", letters // 2: "50 %", letters: "100 %"}
        memory = []

        def progress(done, total):
            if done in marks:
                memory.append(f"{marks[done]}: {rss_mb():.0f} MB")

        t = time.perf_counter()
        counts = mailings.run_mailing(engine, mid, progress=progress)
        sent_s = time.perf_counter() - t
        with unit_of_work(engine) as ctx:
            rows = ctx.session.execute(select(mailings.OutboxMessage.address,
                                              mailings.OutboxMessage.subject,
                                              mailings.OutboxMessage.body)
                                       .limit(min(letters, 2000))).all()
        from crmdesk.integrations.smtp import compose

        t = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for address, subject, body in rows:
                smtp.send_message(compose("office@bench.example", address, subject, body))
        raw_s = (time.perf_counter() - t) / len(rows) * letters
        say(f"mailing: {counts}, {sent_s:.1f} s, {sent_s / letters * 1000:.2f} ms per letter")
        say(f"plain smtplib to the same server: {raw_s / letters * 1000:.2f} ms per letter")
        say(f"added by crmdesk per letter: {(sent_s - raw_s) / letters * 1000:.2f} ms "
            "(target < 20 ms)")
        say("memory (RSS) during the mailing: " + ", ".join(memory))
    finally:
        server.terminate()
        engine.dispose()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


LETTER = """From: {sender}
To: office@teplodom.example
Subject: =?utf-8?b?{subject}?=
Date: Tue, 01 Dec 2026 10:00:00 +0300
Message-ID: <bench{n}@bench.example>
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Добрый день! Письмо номер {n}. Прошу перезвонить: 8 916 555-{a:02d}-{b:02d}.
"""


def bench_fetch(db: str, letters: int) -> None:
    import base64

    from dovecot import Dovecot

    from crmdesk.db import open_database, upgrade
    from crmdesk.models import Client, ClientEmail
    from crmdesk.models.comms import Lead, Letter
    from crmdesk.services import inbox, mail, secrets
    from crmdesk.services.context import unit_of_work
    from crmdesk.services.setup import initialize

    engine = open_database(db)
    upgrade(engine)
    initialize(engine)
    with engine.connect() as conn:
        clients = conn.scalar(select(func.count()).select_from(Client))
        top = conn.scalar(select(func.max(ClientEmail.id)))
        known = []
        rng = random.Random(1)
        while len(known) < int(letters * 0.7):
            row = conn.execute(select(ClientEmail.email).where(
                ClientEmail.id == rng.randint(1, top))).first()
            if row:
                known.append(row[0])
    say(f"base: {clients} clients ({engine.dialect.name})")
    box = Dovecot().start()
    try:
        subject = base64.b64encode("Вопрос по заказу".encode()).decode()
        for n in range(letters):
            sender = known[n] if n < len(known) else f"new{n}@unknown.example"
            box.deliver(LETTER.format(sender=sender, subject=subject, n=n, a=n % 100,
                                      b=n // 100 % 100).replace("\n", "\r\n").encode())
        with unit_of_work(engine) as ctx:
            account, _ = mail.set_account(
                ctx, "smtp://127.0.0.1:25", "office@teplodom.example",
                imap_url=f"imap://{box.user}@127.0.0.1:{box.port}", password=box.password)
            account_id = account.id
            before = ctx.session.scalar(select(func.count()).select_from(Letter))
        t = time.perf_counter()
        got = inbox.fetch_account(engine, account_id)
        took = time.perf_counter() - t
        kinds = {k: sum(g.kind == k for g in got) for k in {g.kind for g in got}}
        say(f"fetched {len(got)} letters in {took:.1f} s ({len(got) / took:.0f} letters/s): "
            f"{kinds} (target < 60 s)")
        with unit_of_work(engine) as ctx:
            after = ctx.session.scalar(select(func.count()).select_from(Letter))
            leads = ctx.session.scalar(select(func.count()).select_from(Lead))
        say(f"letters stored: {after - before}, leads in the base: {leads}")
        secrets.forget_secret(account.secret_ref or "")
    finally:
        box.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=("send", "fetch"))
    p.add_argument("--letters", type=int)
    p.add_argument("--db", help="fetch: the base (a copy of the million-client one)")
    args = p.parse_args()
    if args.what == "send":
        bench_send(args.letters or 10000, args.db)
    else:
        if not args.db:
            p.error("fetch needs --db")
        bench_fetch(args.db, args.letters or 1000)


if __name__ == "__main__":
    main()
