"""A TCP server that speaks the Asterisk Manager Interface as Asterisk 18 does, for tests.

It greets with the banner, answers Login (refusing a wrong secret with ``Response: Error``),
Ping, and Originate (queued, then plays ``originate.txt`` with the caller's ActionID in its
OriginateResponse); anything else gets ``Response: Error`` / ``Invalid/unknown command``.
``play(name)`` sends a recorded call (``sequences/<name>.txt``: events separated by an empty
line, ``>>>`` lines and responses skipped) to every logged-in client, cut into small random
pieces with pauses between, so messages arrive split across TCP reads; ``drop()`` closes
every connection as a restarting PBX would.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from pathlib import Path

SEQUENCES = Path(__file__).parent / "sequences"
BANNER = b"Asterisk Call Manager/7.0.3\r\n"


def load_events(name: str) -> list[str]:
    text = (SEQUENCES / f"{name}.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
    blocks = []
    for block in text.split("\n\n"):
        lines = [ln for ln in block.strip("\n").split("\n") if ln and not ln.startswith(">>>")]
        if not lines or lines[0].startswith(("Asterisk Call Manager", "Response:")):
            continue
        blocks.append("\r\n".join(lines) + "\r\n\r\n")
    return blocks


def _parse(block: str) -> dict:
    out = {}
    for line in block.replace("\r\n", "\n").split("\n"):
        k, sep, v = line.partition(":")
        if sep:
            out[k.strip()] = v.strip()
    return out


class FakeAmi:
    def __init__(self, secret: str = "s3cret", username: str = "crm", seed: int = 1):
        self.secret, self.username = secret, username
        self.rng = random.Random(seed)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.clients: list[socket.socket] = []
        self.actions: list[dict] = []
        self.logins = 0
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    # --- serving ---
    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _send(self, conn: socket.socket, data: bytes, split: bool = True) -> None:
        with self._lock:
            if not split:
                conn.sendall(data)
                return
            pos = 0
            while pos < len(data):
                step = self.rng.randint(1, 48)
                conn.sendall(data[pos : pos + step])
                pos += step
                time.sleep(0.0005)

    def _serve(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.sendall(BANNER)
        buf = b""
        logged_in = False
        try:
            while True:
                data = conn.recv(4096)
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf:
                    raw, buf = buf.split(b"\r\n\r\n", 1)
                    msg = _parse(raw.decode())
                    self.actions.append(msg)
                    logged_in = self._answer(conn, msg, logged_in)
        except OSError:
            pass
        finally:
            with self._lock:
                if conn in self.clients:
                    self.clients.remove(conn)
            conn.close()

    def _answer(self, conn, msg: dict, logged_in: bool) -> bool:
        action, aid = msg.get("Action", "").lower(), msg.get("ActionID", "")
        if action == "login":
            if msg.get("Username") == self.username and msg.get("Secret") == self.secret:
                self._send(conn, (
                    f"Response: Success\r\nActionID: {aid}\r\n"
                    "Message: Authentication accepted\r\n\r\n"
                    "Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
                ).encode())
                with self._lock:
                    self.clients.append(conn)
                self.logins += 1
                return True
            self._send(conn, (
                f"Response: Error\r\nActionID: {aid}\r\nMessage: Authentication failed\r\n\r\n"
            ).encode())
            return False
        if not logged_in:
            self._send(conn, b"Response: Error\r\nMessage: Permission denied\r\n\r\n")
            return False
        if action == "ping":
            self._send(conn, f"Response: Success\r\nActionID: {aid}\r\nPing: Pong\r\n\r\n"
                       .encode())
        elif action == "originate":
            if not msg.get("Channel", "").startswith("PJSIP/"):
                self._send(conn, (f"Response: Error\r\nActionID: {aid}\r\n"
                                  "Message: Channel not specified\r\n\r\n").encode())
                return True
            self._send(conn, (f"Response: Success\r\nActionID: {aid}\r\n"
                              "Message: Originate successfully queued\r\n\r\n").encode())
            threading.Thread(
                target=self.play, args=("originate",), kwargs={"action_id": aid}, daemon=True
            ).start()
        else:
            self._send(conn, (f"Response: Error\r\nActionID: {aid}\r\n"
                              "Message: Invalid/unknown command\r\n\r\n").encode())
        return True

    # --- the test's side ---
    def wait_clients(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.clients) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.clients)} of {count} AMI clients logged in")
            time.sleep(0.01)

    def play(self, name: str, action_id: str = "", extra: list[str] | None = None) -> None:
        events = [e.replace("{ACTIONID}", action_id) for e in load_events(name)]
        events += extra or []
        data = "".join(events).encode()
        for conn in list(self.clients):
            try:
                self._send(conn, data)
            except OSError:
                pass

    def drop(self) -> None:
        with self._lock:
            clients, self.clients = self.clients, []
        for conn in clients:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.drop()
        self.sock.close()


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
