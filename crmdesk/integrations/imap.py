"""Receiving mail over IMAP and reading real-world letters right.

``ImapBox`` is the only place that opens an IMAP socket: it selects a folder, tells its
UIDVALIDITY and which UIDs came after the last one taken, and fetches letters by UID without
marking them read. ``parse_letter`` turns raw bytes into text and files: RFC 2047 headers,
KOI8-R / Windows-1251 bodies, quoted-printable and base64, multipart/alternative, HTML-only
letters (turned into text), attachment names per RFC 2231, letters without a text part.
"""

from __future__ import annotations

import email
import imaplib
import re
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from crmdesk.integrations.smtp import MailError, ServerSettings, explain


class ImapBox:
    """A logged-in IMAP connection to one mailbox."""

    def __init__(self, settings: ServerSettings, context: ssl.SSLContext | None = None):
        self.settings = settings
        self.context = context or ssl.create_default_context()
        self._imap: imaplib.IMAP4 | None = None

    def __enter__(self) -> ImapBox:
        s = self.settings
        try:
            if s.security == "ssl":
                imap = imaplib.IMAP4_SSL(s.host, s.port, ssl_context=self.context,
                                         timeout=s.timeout)
            else:
                imap = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    imap.starttls(ssl_context=self.context)
            imap.login(s.login or "", s.password or "")
        except imaplib.IMAP4.error as exc:
            raise MailError(f"IMAP-сервер {s.where}: {_imap_text(exc)}") from None
        except OSError as exc:
            raise MailError(explain(exc, s, "IMAP")) from None
        self._imap = imap
        return self

    def __exit__(self, *exc) -> None:
        if self._imap is not None:
            try:
                self._imap.logout()
            except (imaplib.IMAP4.error, OSError):
                pass
            self._imap = None

    def _ok(self, typ, data, what: str):
        if typ != "OK":
            text = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise MailError(f"IMAP-сервер {self.settings.where}: {what}: {text}")
        return data

    def select(self, folder: str = "INBOX") -> int:
        """Open a folder read-only; returns its UIDVALIDITY."""
        quoted = '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
        self._ok(*self._imap.select(quoted, readonly=True), f"папка «{folder}»")
        typ, data = self._imap.response("UIDVALIDITY")
        if not data or data[0] is None:
            typ, data = self._imap.status(quoted, "(UIDVALIDITY)")
            match = re.search(rb"UIDVALIDITY (\d+)", data[0] or b"")
            return int(match.group(1)) if match else 0
        return int(data[0])

    def uids_after(self, last_uid: int) -> list[int]:
        data = self._ok(*self._imap.uid("SEARCH", None, f"UID {last_uid + 1}:*"), "поиск писем")
        uids = sorted(int(u) for u in (data[0] or b"").split())
        return [u for u in uids if u > last_uid]  # «N:*» answers the last UID even if below N

    def fetch(self, uids: list[int]) -> dict[int, bytes]:
        """Raw letters by UID (BODY.PEEK: the letters stay unread for people)."""
        if not uids:
            return {}
        spec = ",".join(map(str, uids))
        data = self._ok(*self._imap.uid("FETCH", spec, "(UID BODY.PEEK[])"), "чтение писем")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                match = re.search(rb"UID (\d+)", item[0])
                if match:
                    out[int(match.group(1))] = item[1]
        return out


def _imap_text(exc) -> str:
    text = str(exc.args[0] if exc.args else exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    if "AUTHENTICATIONFAILED" in text.upper() or "authentication failed" in text.lower():
        return f"неверный логин или пароль ({text})."
    return text


def check(settings: ServerSettings, folder: str = "INBOX") -> str:
    with ImapBox(settings) as box:
        box.select(folder)
    return f"IMAP {settings.where}: вход выполнен, папка «{folder}» открыта."


@dataclass
class ParsedLetter:
    message_id: str | None
    in_reply_to: list[str]
    from_address: str
    from_name: str
    to: list[str]
    subject: str
    date: datetime
    text: str
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, mime, data


class _Text(HTMLParser):
    BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")
        elif tag == "td":
            self.out.append("\t")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parser.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _content(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: keep what can be read
        payload = part.get_payload(decode=True) or b""
        for charset in (part.get_content_charset(), "utf-8", "cp1251"):
            try:
                return payload.decode(charset or "utf-8")
            except (LookupError, UnicodeError):
                continue
        return payload.decode("latin-1")


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def _sender(header: str) -> tuple[str, str]:
    """Name and address, also when a mailer encoded «Name <addr>» whole as one RFC 2047 word."""
    name, addr = parseaddr(header)
    if "@" in addr and "<" not in addr and " " not in addr:
        return name.strip().strip('"'), addr.strip()
    match = re.search(r"<\s*([^<>\s]+@[^<>\s]+)\s*>", header) or re.search(
        r"([^<>\s\"]+@[^<>\s\"]+)", header
    )
    if not match:
        return name, ""
    rest = (header[: match.start()] + header[match.end():]).strip().strip('"').strip()
    return rest, match.group(1)


def parse_letter(raw: bytes) -> ParsedLetter:
    msg: EmailMessage = email.message_from_bytes(raw, policy=policy.default)
    name, addr = _sender(str(msg.get("From", "")))
    try:
        when = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        when = None
    if when is None or when.tzinfo is None:
        when = (when or datetime.now(UTC)).replace(tzinfo=UTC)
    body = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        text = _content(body)
        if body.get_content_subtype() == "html":
            text = html_to_text(text)
    files = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        if data is None:
            continue
        fname = part.get_filename() or f"вложение.{part.get_content_subtype()}"
        files.append((fname, part.get_content_type(), data))
    replied = _ids(str(msg.get("In-Reply-To", ""))) + list(
        reversed(_ids(str(msg.get("References", ""))))
    )
    message_id = (_ids(str(msg.get("Message-ID", ""))) or [None])[0]
    return ParsedLetter(
        message_id=message_id,
        in_reply_to=list(dict.fromkeys(replied)),
        from_address=addr.strip(),
        from_name=name.strip(),
        to=[a for _, a in getaddresses([str(v) for v in msg.get_all("To", [])]) if a],
        subject=str(msg.get("Subject", "") or "").strip(),
        date=when.astimezone(UTC),
        text=text.replace("\r\n", "\n").strip(),
        files=files,
    )
