"""Calls out of Asterisk manager events: who is ringing, who answered, how long they talked.

Asterisk 13+ reports a call as channels (``Newchannel``… ``Hangup``) tied by ``Linkedid`` —
the ``Uniqueid`` of the channel that started the call. The tracker keeps one :class:`CallInfo`
per linkedid and turns the events into :class:`CallUpdate` s: ``ring`` (an extension starts
ringing, or dials out), ``answer`` (an extension answered; again on a transfer), ``stop`` (one
extension stopped ringing, someone else answered or the queue moved on), ``end`` (the
call is over: answered or missed, with its talk time) and ``cdr`` (the CDR brought the
billable seconds or the recording's file name).

Times come from the events' own ``Timestamp`` (``timestampevents=yes``), never from when
they arrived; without timestamps the talk time is the CDR's ``BillableSeconds``. Pure Python:
no database, no sockets, no Qt — the same events give the same updates in every listener.
"""

from __future__ import annotations

import copy
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

_DIGITS = re.compile(r"^\+?\d+$")


@dataclass
class CallInfo:
    linkedid: str
    direction: str  # in | out
    number: str  # the other party's number as the PBX gave it ("" until known)
    started: datetime
    ext: str | None = None  # the extension that dialled out / rang first
    rang: list[str] = field(default_factory=list)  # every extension that rang
    ringing: set[str] = field(default_factory=set)  # ringing now
    state: str = "ringing"  # ringing | talking | answered | missed
    answered_ext: str | None = None
    transferred_to: str | None = None
    answered: datetime | None = None
    ended: datetime | None = None
    duration: int | None = None  # talk seconds
    recording: str | None = None
    timestamps: bool = True  # every event so far carried Timestamp
    source: str = "ami"

    @property
    def final(self) -> bool:
        return self.state in ("answered", "missed")


@dataclass
class CallUpdate:
    kind: str  # ring | answer | stop | end | cdr
    call: CallInfo  # a snapshot: later events do not change it
    ext: str | None = None  # the extension this update is about (ring/stop/answer)


def peer(channel: str | None) -> str:
    """``PJSIP/101-0000002b`` → ``101``; ``Local/102@from-queue-0000;1`` → ``102``."""
    if not channel:
        return ""
    name = channel.split("/", 1)[-1]
    name = name.split(";", 1)[0]
    if "@" in name:
        name = name.split("@", 1)[0]
    elif "-" in name:
        name = name.rsplit("-", 1)[0]
    return name


def dialled_number(dial_string: str | None) -> str:
    """``megafon/89131234567`` or ``89131234567@megafon`` → ``89131234567``."""
    if not dial_string:
        return ""
    part = dial_string.split("/")[-1].split("@")[0].split(",")[0].strip()
    return part if _DIGITS.match(part) else ""


class CallTracker:
    """Feed it every manager event; it returns what changed in which call."""

    def __init__(self, ext_max_len: int = 5, keep_finished: int = 500):
        self.ext_max_len = ext_max_len
        self.calls: dict[str, CallInfo] = {}
        self._channels: dict[str, str] = {}  # uniqueid → linkedid (calls in progress)
        self._finished: OrderedDict[str, CallInfo] = OrderedDict()  # for late CDRs
        self._keep = keep_finished

    def is_ext(self, value: str | None) -> bool:
        return bool(value) and value.isdigit() and 2 <= len(value) <= self.ext_max_len

    # --- helpers ---
    def _when(self, msg: dict, call: CallInfo | None = None) -> datetime:
        ts = msg.get("Timestamp")
        if ts:
            try:
                return datetime.fromtimestamp(float(ts), UTC)
            except ValueError:
                pass
        if call is not None:
            call.timestamps = False
        return datetime.now(UTC)

    def _call(self, msg: dict) -> CallInfo | None:
        linkedid = msg.get("Linkedid") or self._channels.get(msg.get("Uniqueid", ""))
        return self.calls.get(linkedid) if linkedid else None

    def _dest_ext(self, msg: dict) -> str:
        for value in (
            peer(msg.get("DestChannel")),
            peer(msg.get("Interface")),
            msg.get("MemberName", ""),
            msg.get("DestExten", ""),
        ):
            if self.is_ext(value):
                return value
        return ""

    @staticmethod
    def _snap(kind: str, call: CallInfo, ext: str | None = None) -> CallUpdate:
        return CallUpdate(kind, copy.deepcopy(call), ext)

    # --- the events ---
    def feed(self, msg: dict) -> list[CallUpdate]:
        handler = getattr(self, "_on_" + msg.get("Event", "").lower(), None)
        return handler(msg) if handler is not None else []

    def _on_newchannel(self, msg: dict) -> list[CallUpdate]:
        uid = msg.get("Uniqueid", "")
        linkedid = msg.get("Linkedid") or uid
        if linkedid in self.calls:
            self._channels[uid] = linkedid
            return []
        if uid != linkedid:
            return []  # a channel of a call that started before we listened
        caller, chan_peer = msg.get("CallerIDNum", ""), peer(msg.get("Channel"))
        exten = msg.get("Exten", "")
        if self.is_ext(chan_peer) or (self.is_ext(caller) and not _DIGITS.match(chan_peer)):
            ext = chan_peer if self.is_ext(chan_peer) else caller
            number = exten if _DIGITS.match(exten) and not self.is_ext(exten) else ""
            call = CallInfo(linkedid, "out", number, self._when(msg), ext=ext)
        else:
            call = CallInfo(linkedid, "in", caller, self._when(msg))
        self.calls[linkedid] = call
        self._channels[uid] = linkedid
        return []

    def _ring(self, call: CallInfo, ext: str) -> list[CallUpdate]:
        if not ext or ext in call.ringing:
            return []
        call.ringing.add(ext)
        if ext not in call.rang:
            call.rang.append(ext)
        if call.ext is None:
            call.ext = ext
        return [self._snap("ring", call, ext)]

    def _on_dialbegin(self, msg: dict) -> list[CallUpdate]:
        call = self._call(msg)
        if call is None or call.final:
            return []
        if msg.get("DestUniqueid"):
            self._channels[msg["DestUniqueid"]] = call.linkedid
        if call.direction == "in":
            return self._ring(call, self._dest_ext(msg))
        if call.rang:
            return []
        if not call.number:
            call.number = (
                dialled_number(msg.get("DialString"))
                or next(
                    (v for v in (msg.get("DestExten"), msg.get("DestCallerIDNum"))
                     if v and _DIGITS.match(v)),
                    "",
                )
            )
        if not call.number or self.is_ext(call.number.lstrip("+")):
            self.calls.pop(call.linkedid, None)  # an internal call: not a client's call
            return []
        call.rang.append(call.ext or "")
        return [self._snap("ring", call, call.ext)]

    _on_agentcalled = _on_dialbegin

    def _answer(self, call: CallInfo, ext: str, when: datetime) -> list[CallUpdate]:
        call.ringing.discard(ext)
        if call.direction == "out":
            if call.answered is None:
                call.answered, call.state, call.answered_ext = when, "talking", call.ext
                return [self._snap("answer", call, call.ext)]
            return []
        if call.answered is None:
            call.answered, call.state, call.answered_ext = when, "talking", ext
        elif ext and ext != call.answered_ext:
            call.transferred_to = ext  # a transfer: the call goes on with someone else
        else:
            return []
        updates = [self._snap("answer", call, ext)]
        for other in sorted(call.ringing):
            call.ringing.discard(other)
            updates.append(self._snap("stop", call, other))
        return updates

    def _on_dialend(self, msg: dict) -> list[CallUpdate]:
        call = self._call(msg)
        if call is None or call.final:
            return []
        ext = self._dest_ext(msg) if call.direction == "in" else call.ext or ""
        if msg.get("DialStatus", "").upper() == "ANSWER":
            return self._answer(call, ext, self._when(msg, call))
        if call.direction == "in" and ext in call.ringing:
            call.ringing.discard(ext)
            return [self._snap("stop", call, ext)]
        return []

    def _on_agentconnect(self, msg: dict) -> list[CallUpdate]:
        call = self._call(msg)
        if call is None or call.final:
            return []
        return self._answer(call, self._dest_ext(msg), self._when(msg, call))

    def _on_agentringnoanswer(self, msg: dict) -> list[CallUpdate]:
        call = self._call(msg)
        ext = self._dest_ext(msg)
        if call is None or call.final or ext not in call.ringing:
            return []
        call.ringing.discard(ext)
        return [self._snap("stop", call, ext)]

    def _on_blindtransfer(self, msg: dict) -> list[CallUpdate]:
        call = self.calls.get(msg.get("TransfereeLinkedid", "")) or self._call(msg)
        target = msg.get("Extension", "")
        if call is not None and self.is_ext(target):
            call.transferred_to = target
        return []

    def _on_varset(self, msg: dict) -> list[CallUpdate]:
        call = self._call(msg)
        if call is not None and msg.get("Variable") == "MIXMONITOR_FILENAME":
            call.recording = msg.get("Value", "").rsplit("/", 1)[-1] or None
        return []

    def _on_hangup(self, msg: dict) -> list[CallUpdate]:
        uid = msg.get("Uniqueid", "")
        linkedid = self._channels.pop(uid, None) or msg.get("Linkedid")
        call = self.calls.get(linkedid) if linkedid else None
        if call is None:
            return []
        if uid != call.linkedid:
            ext = peer(msg.get("Channel"))
            if call.direction == "in" and ext in call.ringing:
                call.ringing.discard(ext)
                return [self._snap("stop", call, ext)]
            return []
        call.ended = self._when(msg, call)
        if call.answered is not None:
            call.state = "answered"
            call.duration = max(0, round((call.ended - call.answered).total_seconds()))
        else:
            call.state = "missed"
            call.duration = 0
        call.ringing.clear()
        del self.calls[call.linkedid]
        for key in [k for k, v in self._channels.items() if v == call.linkedid]:
            del self._channels[key]
        self._finished[call.linkedid] = call
        while len(self._finished) > self._keep:
            self._finished.popitem(last=False)
        return [self._snap("end", call)]

    def _on_cdr(self, msg: dict) -> list[CallUpdate]:
        uid = msg.get("UniqueID") or msg.get("Uniqueid") or ""
        call = self._finished.get(msg.get("Linkedid", "")) or self._finished.get(uid)
        if call is None:
            return []
        changed = False
        recording = (msg.get("RecordingFile") or msg.get("Recordingfile") or "").strip()
        if recording and recording != call.recording:
            call.recording, changed = recording.rsplit("/", 1)[-1], True
        billable = msg.get("BillableSeconds", "")
        if (
            uid == call.linkedid
            and billable.isdigit()
            and msg.get("Disposition", "").upper() == "ANSWERED"
            and not call.timestamps
            and call.state == "answered"
            and call.transferred_to is None
        ):
            call.duration, changed = int(billable), True
        return [self._snap("cdr", call)] if changed else []
