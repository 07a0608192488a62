"""Telephony figures at scale: from the ringing event to the caller's card painted; idle CPU.

    QT_QPA_PLATFORM=offscreen python benchmarks/telephony.py                 # /tmp/bench SQLite
    QT_QPA_PLATFORM=offscreen python benchmarks/telephony.py \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/bench1m

The database is one filled by ``benchmarks/foundation.py`` (a million clients). A fake
Asterisk manager (``tests/telephony/fakeami.py``) listens on a real TCP port; a real main
window signed in as a user with extension 101 connects to it as the desktop does. Each round
the server sends a Newchannel + DialBegin for extension 101 from the number of a random
client; the time runs from the server writing the DialBegin's last byte to the call window's
first paint (the listener thread reads and parses the bytes, the tracker makes the ring, a
Qt signal crosses to the GUI thread, the caller card's queries run, the window is painted).

The listener does not write the calls into the database here (``log_calls=False``): the
shared benchmark base is not changed, and the logging runs in the listener's thread after
the window has its update, so it is not on the way to the card anyway; ``--log`` turns it on
(for a private copy of the base) and reports the logging time apart.

Idle: with the connection open and no events, the process's CPU time over ``--idle`` seconds
(the listener waits in ``select``; a Ping each minute).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "telephony"))

DEFAULT_DB = "sqlite:////tmp/bench/crm1m.sqlite"
TARGET_MS = 300


def ring_events(linkedid: str, number: str, ext: str = "101") -> tuple[bytes, bytes]:
    ts = time.time()
    first = (
        f"Event: Newchannel\r\nTimestamp: {ts:.6f}\r\nChannel: PJSIP/trunk-{linkedid}\r\n"
        f"ChannelState: 4\r\nChannelStateDesc: Ring\r\nCallerIDNum: {number}\r\n"
        f"Exten: 74951234567\r\nContext: from-trunk\r\nUniqueid: {linkedid}\r\n"
        f"Linkedid: {linkedid}\r\n\r\n"
    )
    second = (
        f"Event: DialBegin\r\nTimestamp: {ts + 0.2:.6f}\r\nChannel: PJSIP/trunk-{linkedid}\r\n"
        f"CallerIDNum: {number}\r\nDestChannel: PJSIP/{ext}-{linkedid}\r\n"
        f"DestCallerIDNum: {ext}\r\nDestExten: {ext}\r\nDialString: {ext}\r\n"
        f"Uniqueid: {linkedid}\r\nLinkedid: {linkedid}\r\n\r\n"
    )
    return first.encode(), second.encode()


def hangup(linkedid: str) -> bytes:
    return (f"Event: Hangup\r\nTimestamp: {time.time():.6f}\r\nChannel: PJSIP/trunk-x\r\n"
            f"Uniqueid: {linkedid}\r\nLinkedid: {linkedid}\r\n\r\n").encode()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=DEFAULT_DB)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measure")
    ap.add_argument("--log", action="store_true", help="also log the calls (changes the base)")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    os.environ["CRMDESK_HOME"] = tempfile.mkdtemp(prefix="crmdesk-bench-")

    from fakeami import FakeAmi
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import func, select, text

    from crmdesk.db import describe, make_engine
    from crmdesk.models import ClientPhone, User
    from crmdesk.services.calllistener import CallListener
    from crmdesk.ui.session import AppSession

    engine = make_engine(args.db)
    with engine.connect() as conn:
        clients = conn.scalar(text("SELECT count(*) FROM clients"))
        max_phone = conn.scalar(select(func.max(ClientPhone.id)))
        login = conn.scalar(select(User.login).where(User.extension == "101"))
        if login is None:
            login = conn.scalar(select(User.login).order_by(User.id).limit(1))
    print(f"database: {describe(engine)}; clients: {clients:,}".replace(",", " "), flush=True)
    if login is None:
        print("no users in the database", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    numbers: list[str] = []
    with engine.connect() as conn:
        while len(numbers) < args.rounds + 3:
            e164 = conn.scalar(
                select(ClientPhone.e164).where(ClientPhone.id >= rng.randint(1, max_phone))
                .order_by(ClientPhone.id).limit(1)
            )
            if e164:
                numbers.append("8" + e164[2:] if e164.startswith("+7") else e164)

    from crmdesk.app import make_qt_app
    from crmdesk.ui.shell import calls as deskcalls
    from crmdesk.ui.shell.mainwindow import MainWindow

    app: QApplication = make_qt_app()
    server = FakeAmi(secret="bench")
    window = MainWindow(AppSession(engine, login), restore=False)
    window.resize(1366, 768)
    window.show()
    desk = window.telephony
    desk.stop()
    desk.ext = "101"  # the bench user's extension, without changing the base
    params = {"host": "127.0.0.1", "port": server.port, "user": "crm", "secret": "bench"}
    logged: list[float] = []
    listener = CallListener(engine, params, on_update=desk.bridge.update.emit,
                            on_status=desk.bridge.status.emit, log_calls=args.log)
    if args.log:
        from crmdesk.services import telephony

        def timed_record(engine_, upd, _orig=telephony.record):
            t = time.perf_counter()
            _orig(engine_, upd)
            logged.append((time.perf_counter() - t) * 1000)

        telephony.record = timed_record
    desk.listener = listener.start()
    server.wait_clients(1)

    def pump_until(cond, limit=10.0):
        end = time.perf_counter() + limit
        while not cond():
            app.processEvents()
            if time.perf_counter() > end:
                raise TimeoutError("the call window did not appear")
            time.sleep(0.0005)

    times, found = [], 0
    for n, number in enumerate(numbers):
        linkedid = f"{time.time():.0f}.{n}"
        first, second = ring_events(linkedid, number)
        conn = server.clients[0]
        conn.sendall(first)
        time.sleep(0.01)
        conn.sendall(second)
        sent = time.perf_counter()
        pump_until(lambda lid=linkedid: lid in desk.windows
                   and desk.windows[lid].painted_at is not None)
        w = desk.windows.pop(linkedid)
        if n >= 3:  # the first rounds warm the caches and imports up
            times.append((w.painted_at - sent) * 1000)
            found += w.card.get("client") is not None
        conn.sendall(hangup(linkedid))
        w.close()
        w.deleteLater()
        app.processEvents()
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"ring → card painted: median {statistics.median(times):.1f} ms, 95% {p95:.1f} ms, "
          f"max {times[-1]:.1f} ms over {len(times)} calls ({found} callers found); "
          f"target < {TARGET_MS} ms: {'ok' if times[-1] < TARGET_MS else 'OVER'}", flush=True)
    if logged:
        print(f"logging a call update (listener thread): median {statistics.median(logged):.1f}"
              f" ms, max {max(logged):.1f} ms", flush=True)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    end = wall0 + args.idle
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.05)
    cpu = time.process_time() - cpu0
    # what the idle loop itself (processEvents every 50 ms) costs, without the listener
    listener.stop()
    cpu1, wall1 = time.process_time(), time.perf_counter()
    while time.perf_counter() < wall1 + args.idle:
        app.processEvents()
        time.sleep(0.05)
    base = time.process_time() - cpu1
    print(f"idle {args.idle:.0f} s connected: process CPU {cpu * 1000:.0f} ms "
          f"({cpu / args.idle * 100:.2f} %); the same without the listener {base * 1000:.0f} ms "
          f"→ the listener's share {max(0.0, cpu - base) * 1000:.0f} ms", flush=True)
    window.close()
    server.close()
    del deskcalls
    return 0


if __name__ == "__main__":
    sys.exit(main())
