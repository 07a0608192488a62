"""Asterisk Manager Interface (AMI): a small client of the text protocol over TCP.

Asterisk greets with one line (``Asterisk Call Manager/7.0.3``), then speaks in messages:
``Key: Value`` lines ended by CRLF, a message ended by an empty line. Messages arrive split
anywhere across TCP reads; :class:`Parser` reassembles them. Responses to our actions carry
our ``ActionID``; events carry ``Event``. Unknown events are passed on like the others and
ignored by whoever does not know them.

:class:`AmiClient` runs in a worker thread of its own: it logs in, hands every event to a
callback, reconnects with back-off when the connection drops, and reports its state
(``connecting``/``connected``/``disconnected``/``error``) to a second callback. While the
PBX is silent the thread sleeps in ``select`` (a Ping every minute keeps NAT and dead peers
honest), so an idle listener costs no CPU. Nothing here knows about Qt or the database.
"""

from __future__ import annotations

import itertools
import logging
import select
import socket
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Message = dict[str, str]


class AmiError(Exception):
    """The PBX refused an action or could not be reached; str() is for the user."""


class Parser:
    """Bytes in, complete messages out; keeps the unfinished tail between reads."""

    def __init__(self):
        self._buf = b""
        self.banner: str | None = None

    def feed(self, data: bytes) -> list[Message]:
        self._buf += data
        out: list[Message] = []
        if self.banner is None:
            if b"\n" not in self._buf:
                return out
            line, self._buf = self._buf.split(b"\n", 1)
            self.banner = line.decode("utf-8", "replace").strip()
        while True:
            buf = self._buf.replace(b"\r\n", b"\n")
            end = buf.find(b"\n\n")
            if end < 0:
                # keep the raw bytes: a CR may be waiting for its LF in the next read
                return out
            block, rest = buf[:end], buf[end + 2 :]
            self._buf = rest
            msg = parse_block(block.decode("utf-8", "replace"))
            if msg:
                out.append(msg)


def parse_block(text: str) -> Message:
    msg: Message = {}
    for line in text.split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key in msg:  # repeated keys (ChanVariable…) are joined, the first kept first
            msg[key] += "\n" + value.strip()
        else:
            msg[key] = value.strip()
    return msg


def format_action(action: str, fields: dict[str, object]) -> bytes:
    lines = [f"Action: {action}"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            lines.extend(f"{key}: {v}" for v in value)
        else:
            lines.append(f"{key}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


class AmiClient:
    """One manager connection kept open in a thread; thread-safe :meth:`action`."""

    PING_EVERY = 60.0
    BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        on_event: Callable[[Message], None],
        on_status: Callable[[str, str], None] | None = None,
        timeout: float = 10.0,
        backoff: tuple[float, ...] | None = None,
    ):
        self.host, self.port, self.username = host, int(port), username
        self._secret = secret
        self.on_event, self.on_status = on_event, on_status
        self.timeout = timeout
        self.backoff = backoff or self.BACKOFF
        self.status = "disconnected"
        self.status_text = ""
        self._ids = itertools.count(1)
        self._sock: socket.socket | None = None
        self._send_lock = threading.Lock()
        self._waiting: dict[str, list] = {}  # ActionID → [event, response]
        self._stop = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        self.connections = 0  # how many times a login succeeded (tests look at reconnects)

    # --- life cycle ---
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ami", daemon=True)
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(wait)
        self._close()
        self._wake_r.close()
        self._wake_w.close()

    def _set_status(self, status: str, text: str = "") -> None:
        self.status, self.status_text = status, text
        if self.on_status is not None:
            try:
                self.on_status(status, text)
            except Exception:  # noqa: BLE001 — a listener's defect must not kill the link
                log.exception("AMI status callback failed")

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            self._set_status("connecting", f"{self.host}:{self.port}")
            try:
                self._connect()
                failures = 0
                self._loop()
                if not self._stop.is_set():
                    self._set_status("disconnected", "АТС закрыла соединение")
            except AmiError as exc:
                self._set_status("error", str(exc))
            except OSError as exc:
                self._set_status("disconnected", _os_text(exc, self.host, self.port))
            finally:
                self._close()
            if self._stop.is_set():
                break
            delay = self.backoff[min(failures, len(self.backoff) - 1)]
            failures += 1
            if self._sleep(delay):
                break
        self._set_status("disconnected", "")

    def _sleep(self, seconds: float) -> bool:
        """Wait, waking at once on stop(); True when stopping."""
        ready, _, _ = select.select([self._wake_r], [], [], seconds)
        return bool(ready) or self._stop.is_set()

    def _connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._sock = sock
        self._parser = Parser()
        deadline = time.monotonic() + self.timeout
        pending: list[Message] = []
        login_id = f"login-{next(self._ids)}"
        sent = False
        while True:
            if time.monotonic() > deadline:
                raise AmiError(f"АТС {self.host}:{self.port} не ответила на вход вовремя.")
            data = sock.recv(65536)
            if not data:
                raise AmiError(f"АТС {self.host}:{self.port} закрыла соединение при входе.")
            msgs = self._parser.feed(data)
            if self._parser.banner is not None and not sent:
                if "Call Manager" not in self._parser.banner:
                    raise AmiError(
                        f"По адресу {self.host}:{self.port} отвечает не Asterisk Manager "
                        f"(«{self._parser.banner[:60]}»)."
                    )
                sock.sendall(
                    format_action(
                        "Login",
                        {"Username": self.username, "Secret": self._secret,
                         "Events": "call,cdr", "ActionID": login_id},
                    )
                )
                sent = True
            for i, msg in enumerate(msgs):
                if msg.get("ActionID") == login_id and "Response" in msg:
                    if msg["Response"].lower() != "success":
                        raise AmiError(
                            "АТС отказала во входе пользователю AMI "
                            f"«{self.username}»: {msg.get('Message') or msg['Response']}."
                        )
                    sock.settimeout(None)
                    self.connections += 1
                    self.connected.set()
                    self._set_status("connected", f"{self.host}:{self.port}")
                    for m in pending + msgs[i + 1 :]:
                        if "Event" in m:
                            self._dispatch(m)
                    return
                pending.append(msg)

    def _loop(self) -> None:
        sock = self._sock
        assert sock is not None
        last_ping = time.monotonic()
        while not self._stop.is_set():
            wait = max(0.0, self.PING_EVERY - (time.monotonic() - last_ping))
            ready, _, _ = select.select([sock, self._wake_r], [], [], wait)
            if self._wake_r in ready:
                return
            if not ready:
                self._send(format_action("Ping", {"ActionID": f"ping-{next(self._ids)}"}))
                last_ping = time.monotonic()
                continue
            data = sock.recv(65536)
            if not data:
                return
            for msg in self._parser.feed(data):
                self._dispatch(msg)

    def _dispatch(self, msg: Message) -> None:
        action_id = msg.get("ActionID")
        if action_id and "Response" in msg and action_id in self._waiting:
            slot = self._waiting[action_id]
            slot[1] = msg
            slot[0].set()
            return
        if "Event" in msg:
            try:
                self.on_event(msg)
            except Exception:  # noqa: BLE001 — one bad event must not stop the listener
                log.exception("AMI event handler failed on %s", msg.get("Event"))

    def _close(self) -> None:
        self.connected.clear()
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass
        for slot in list(self._waiting.values()):
            slot[0].set()

    def _send(self, data: bytes) -> None:
        with self._send_lock:
            if self._sock is None:
                raise AmiError("Нет соединения с АТС.")
            self._sock.sendall(data)

    # --- actions ---
    def action(self, action: str, timeout: float | None = None, **fields) -> Message:
        """Send an action and wait for its response; ``Response: Error`` raises AmiError
        with the PBX's own message."""
        if not self.connected.wait(timeout or self.timeout):
            raise AmiError(
                f"Нет соединения с АТС {self.host}:{self.port}"
                + (f": {self.status_text}" if self.status_text else "")
                + "."
            )
        action_id = f"crm-{next(self._ids)}"
        slot: list = [threading.Event(), None]
        self._waiting[action_id] = slot
        try:
            self._send(format_action(action, {**fields, "ActionID": action_id}))
            if not slot[0].wait(timeout or self.timeout) or slot[1] is None:
                raise AmiError(f"АТС не ответила на команду {action}.")
        finally:
            self._waiting.pop(action_id, None)
        response = slot[1]
        if response.get("Response", "").lower() == "error":
            raise AmiError(f"АТС отказала в команде {action}: {response.get('Message', '')}")
        return response


def _os_text(exc: OSError, host: str, port: int) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return f"АТС {host}:{port} не принимает соединения (проверьте адрес и порт AMI)."
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"АТС {host}:{port} не отвечает."
    if isinstance(exc, socket.gaierror):
        return f"Адрес АТС «{host}» не найден."
    return f"Связь с АТС {host}:{port} прервана: {exc.strerror or exc}"
