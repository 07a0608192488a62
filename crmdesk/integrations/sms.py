"""SMS providers behind one small interface: SMS.ru and SMSC.ru over their public HTTP APIs.

The base URL is a setting (``https://sms.ru``, ``https://smsc.ru``), so tests point it at a
local server answering as the providers' documentation says. A provider's refusal for one
number (no balance, invalid number, sender not approved) comes back as ``SmsResult.error``
in words; a refusal of the whole request (wrong key, no connection) raises ``SmsError``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crmdesk.services.errors import CrmError

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = set("^{}\\[~]|€")


class SmsError(CrmError):
    """The provider refused the request as a whole, or could not be reached."""


def sms_parts(text: str) -> tuple[int, int, str]:
    """(parts, characters per part, encoding): Cyrillic 70 in one part, 67 per part of a
    longer one (UCS-2); Latin 160/153 (GSM 7-bit, ^{}[]~|€\\ count twice)."""
    if all(ch in GSM7 or ch in GSM7_EXT for ch in text):
        length = sum(2 if ch in GSM7_EXT else 1 for ch in text)
        single, multi, enc = 160, 153, "gsm7"
    else:
        length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, multi, enc = 70, 67, "ucs2"
    if length <= single:
        return (1 if length else 0), single, enc
    return -(-length // multi), multi, enc


@dataclass
class SmsResult:
    phone: str
    external_id: str | None = None
    parts: int | None = None
    cost: Decimal | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class Delivery:
    state: str  # sent | delivered | failed
    text: str


def _money(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


class HttpProvider:
    """Requests over HTTP(S), answers in JSON; the key never goes into a message."""

    title = "SMS"

    def __init__(self, base_url: str, key: str, sender: str | None = None,
                 login: str | None = None, timeout: float = 20.0):
        self.base_url = base_url.rstrip("/")
        self.key, self.sender, self.login, self.timeout = key, sender, login, timeout

    def _get(self, path: str, params: dict) -> dict:
        data = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        request = urllib.request.Request(f"{self.base_url}{path}", data=data.encode("utf-8"))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                body = resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"{self.title}: сервер ответил ошибкой HTTP {exc.code}.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SmsError(f"{self.title}: нет связи с {self.base_url} ({reason}).") from None
        try:
            return json.loads(body)
        except ValueError:
            raise SmsError(f"{self.title}: непонятный ответ сервера: {body[:200]}") from None


SMSRU_ERRORS = {
    200: "неправильный api_id (ключ)",
    201: "не хватает средств на счёте",
    202: "неправильно указан номер телефона получателя",
    203: "нет текста сообщения",
    204: "имя отправителя не согласовано с администрацией",
    205: "сообщение слишком длинное (больше 8 SMS)",
    206: "превышен дневной лимит на отправку",
    207: "на этот номер нельзя отправлять сообщения",
    209: "номер в стоп-листе",
    220: "сервис временно недоступен",
    230: "превышен лимит сообщений на этот номер в день",
    231: "превышен лимит одинаковых сообщений на этот номер в минуту",
    232: "превышен лимит одинаковых сообщений на этот номер в день",
    300: "неправильный token",
    301: "неправильный ключ или логин/пароль",
    302: "аккаунт не подтверждён",
}
SMSRU_STATES = {100: "sent", 101: "sent", 102: "sent", 103: "delivered"}


class SmsRu(HttpProvider):
    """SMS.ru: /sms/send and /sms/status with api_id and json=1."""

    title = "SMS.ru"

    def _error(self, answer: dict) -> str:
        code = answer.get("status_code")
        return SMSRU_ERRORS.get(code) or answer.get("status_text") or f"код ошибки {code}"

    def send(self, phone: str, text: str) -> SmsResult:
        to = phone.lstrip("+")
        answer = self._get("/sms/send", {"api_id": self.key, "to": to, "msg": text,
                                         "from": self.sender, "json": 1})
        if answer.get("status") != "OK":
            code = answer.get("status_code")
            if code in (200, 300, 301, 302):
                raise SmsError(f"SMS.ru: {self._error(answer)}.")
            return SmsResult(phone, error=f"SMS.ru: {self._error(answer)}")
        item = (answer.get("sms") or {}).get(to) or {}
        if item.get("status") != "OK":
            return SmsResult(phone, error=f"SMS.ru: {self._error(item)}")
        parts = item.get("sms")
        return SmsResult(phone, external_id=str(item.get("sms_id")),
                         parts=int(parts) if parts else sms_parts(text)[0],
                         cost=_money(item.get("cost")))

    def status(self, external_id: str, phone: str) -> Delivery:
        answer = self._get("/sms/status", {"api_id": self.key, "sms_id": external_id, "json": 1})
        item = (answer.get("sms") or {}).get(external_id) or answer
        code = item.get("status_code")
        text = item.get("status_text") or f"код {code}"
        if item.get("status") != "OK" and code not in SMSRU_STATES:
            return Delivery("failed", text)
        return Delivery(SMSRU_STATES.get(code, "failed"), text)


SMSC_ERRORS = {
    1: "ошибка в параметрах",
    2: "неверный логин или пароль",
    3: "недостаточно средств на счёте",
    4: "IP-адрес временно заблокирован",
    5: "неверный формат даты",
    6: "сообщение запрещено (по тексту или по имени отправителя — оно не согласовано)",
    7: "неверный формат номера телефона",
    8: "сообщение на указанный номер не может быть доставлено",
    9: "слишком много одинаковых запросов подряд",
}
SMSC_STATES = {
    -1: ("sent", "ожидает отправки"),
    0: ("sent", "передано оператору"),
    1: ("delivered", "доставлено"),
    2: ("delivered", "прочитано"),
    3: ("failed", "просрочено"),
    20: ("failed", "невозможно доставить"),
    22: ("failed", "неверный номер"),
    23: ("failed", "запрещено"),
    24: ("failed", "недостаточно средств"),
    25: ("failed", "недоступный номер"),
}


class Smsc(HttpProvider):
    """SMSC.ru: /sys/send.php and /sys/status.php with login, psw and fmt=3 (JSON)."""

    title = "SMSC.ru"

    def _auth(self) -> dict:
        return {"login": self.login, "psw": self.key, "fmt": 3, "charset": "utf-8"}

    def send(self, phone: str, text: str) -> SmsResult:
        answer = self._get("/sys/send.php", {**self._auth(), "phones": phone.lstrip("+"),
                                             "mes": text, "sender": self.sender, "cost": 3})
        if "error" in answer:
            code = answer.get("error_code")
            message = SMSC_ERRORS.get(code) or answer.get("error")
            if code in (2, 4):
                raise SmsError(f"SMSC.ru: {message}.")
            return SmsResult(phone, error=f"SMSC.ru: {message}")
        return SmsResult(phone, external_id=str(answer.get("id")),
                         parts=int(answer.get("cnt") or sms_parts(text)[0]),
                         cost=_money(answer.get("cost")))

    def status(self, external_id: str, phone: str) -> Delivery:
        answer = self._get("/sys/status.php", {**self._auth(), "phone": phone.lstrip("+"),
                                               "id": external_id})
        if "error" in answer:
            return Delivery("failed", SMSC_ERRORS.get(answer.get("error_code"))
                            or str(answer.get("error")))
        state, text = SMSC_STATES.get(int(answer.get("status", 20)), ("failed", "неизвестно"))
        return Delivery(state, text)


PROVIDERS = {"smsru": SmsRu, "smsc": Smsc}
DEFAULT_URLS = {"smsru": "https://sms.ru", "smsc": "https://smsc.ru"}
