"""A throwaway Dovecot IMAP server: a config in a temp dir, a free port, one passwd-file user
and a maildir to put letters into. Used by the tests' fixture and by benchmarks/mail.py."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONF = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def executable() -> str | None:
    exe = shutil.which("dovecot") or "/usr/sbin/dovecot"
    return exe if Path(exe).exists() else None


class Dovecot:
    def __init__(self, user: str = "office", password: str = "secret123"):
        self.user, self.password = user, password
        self.counter = 0
        self.proc: subprocess.Popen | None = None
        # not under pytest's temp dir: pytest keeps that 0700, and dovecot's unprivileged
        # processes must reach the passwd file and the maildir
        self.root = Path(tempfile.mkdtemp(prefix="crmdesk-dovecot-"))
        self.port = free_port()

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / self.user

    def start(self, timeout: float = 20) -> Dovecot:
        root = self.root
        os.chmod(root, 0o755)
        if os.geteuid() == 0:  # dovecot refuses to run login and mail processes as root
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
            mail_uid, mail_gid = "dovecot", "dovecot"
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            login_user = internal_user = me
            internal_group = grp.getgrgid(os.getgid()).gr_name
            mail_uid, mail_gid = os.getuid(), os.getgid()
        for sub in ("run", "state", "home", f"mail/{self.user}/cur", f"mail/{self.user}/new",
                    f"mail/{self.user}/tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}\n")
        conf = root / "dovecot.conf"
        conf.write_text(CONF.format(
            root=root, port=self.port, login_user=login_user, internal_user=internal_user,
            internal_group=internal_group, mail_uid=mail_uid, mail_gid=mail_gid))
        for path in [root / "mail", root / "home", *(root / "mail").rglob("*")]:
            os.chmod(path, 0o777)
        for path in (root / "passwd", conf):  # whatever the umask of the process
            os.chmod(path, 0o644)
        self.proc = subprocess.Popen([executable(), "-F", "-c", str(conf)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            try:
                imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
                imap.login(self.user, self.password)
                imap.logout()
                return self
            except (OSError, imaplib.IMAP4.error):
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    log = root / "dovecot.log"
                    text = log.read_text() if log.exists() else ""
                    self.stop()
                    raise RuntimeError(f"dovecot did not start: {text[-2000:]}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def deliver(self, raw: bytes) -> None:
        """Put a letter into the inbox the way a delivery agent does (tmp → new)."""
        self.counter += 1
        base = f"{int(time.time())}.{os.getpid()}_{self.counter}.test"
        tmp = self.maildir / "tmp" / base
        tmp.write_bytes(raw)
        os.chmod(tmp, 0o666)  # readable by dovecot's mail user, whatever the umask
        os.rename(tmp, self.maildir / "new" / base)

    def empty(self) -> None:
        """Remove every letter and the UID list (the folder starts a new generation)."""
        for sub in ("cur", "new", "tmp"):
            for f in (self.maildir / sub).iterdir():
                f.unlink()
        for f in self.maildir.glob("dovecot*"):
            if f.is_file():
                f.unlink()
