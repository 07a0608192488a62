"""The AMI client against a real TCP server: messages split anywhere, login refused,
errors answered, reconnection after the PBX drops the connection."""

from __future__ import annotations

import threading

import pytest
from fakeami import FakeAmi, load_events, wait_for

from crmdesk.integrations.ami import AmiClient, AmiError, Parser
from crmdesk.services.calltracker import CallTracker

SAMPLE_NAMES = ["incoming_answered", "queue_call", "missed", "transfer", "originate"]


def _client(server: FakeAmi, secret="s3cret", **kw):
    events: list[dict] = []
    statuses: list[tuple[str, str]] = []
    client = AmiClient("127.0.0.1", server.port, "crm", secret, on_event=events.append,
                       on_status=lambda s, t: statuses.append((s, t)),
                       backoff=kw.pop("backoff", (0.05,)), **kw)
    return client, events, statuses


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_parser_reassembles_messages_cut_at_every_byte(name):
    data = b"Asterisk Call Manager/7.0.3\r\n" + "".join(load_events(name)).encode()
    whole = Parser().feed(data)
    assert len(whole) == len(load_events(name)) and all("Event" in m for m in whole)
    for cut in range(1, len(data)):
        p = Parser()
        assert p.feed(data[:cut]) + p.feed(data[cut:]) == whole, cut
    p = Parser()
    assert sum((p.feed(data[i:i + 1]) for i in range(len(data))), []) == whole


def test_parser_takes_bare_lf_and_repeated_keys():
    p = Parser()
    msgs = p.feed(b"Asterisk Call Manager/5.0.1\nEvent: VarSet\nChanVariable: A=1\n"
                  b"ChanVariable: B=2\nValue: x: y\n\n")
    assert p.banner == "Asterisk Call Manager/5.0.1"
    assert msgs == [{"Event": "VarSet", "ChanVariable": "A=1\nB=2", "Value": "x: y"}]


def test_login_refused_with_the_pbx_message(ami):
    client, _events, statuses = _client(ami, secret="wrong")
    client.start()
    try:
        wait_for(lambda: any(s == "error" for s, _ in statuses), what="refusal")
    finally:
        client.stop()
    text = next(t for s, t in statuses if s == "error")
    assert "отказала во входе" in text and "Authentication failed" in text and "crm" in text
    assert "wrong" not in text and ami.logins == 0


def test_events_split_across_reads_reach_the_callback_and_unknown_ones_pass(ami):
    client, events, _ = _client(ami)
    client.start()
    try:
        ami.wait_clients(1)
        ami.play("queue_call", extra=["Event: SomethingNew\r\nFoo: bar\r\n\r\n"])
        wait_for(lambda: any(e["Event"] == "SomethingNew" for e in events), what="events")
    finally:
        client.stop()
    names = [e["Event"] for e in events]
    assert names[0] == "FullyBooted"
    assert names[1:] == [_e.split("\r\n")[0].split(": ")[1] for _e in load_events("queue_call")] \
        + ["SomethingNew"]
    tracker = CallTracker()
    kinds = [u.kind for e in events for u in tracker.feed(e)]  # unknown events change nothing
    assert kinds.count("ring") == 3 and kinds[-1] == "end"


def test_error_response_raises_with_the_message(ami):
    client, _events, _ = _client(ami)
    client.start()
    try:
        assert client.connected.wait(5)
        assert client.action("Ping")["Ping"] == "Pong"
        with pytest.raises(AmiError, match="Invalid/unknown command"):
            client.action("CoreShowNothing")
        with pytest.raises(AmiError, match="Channel not specified"):
            client.action("Originate", Channel="SIP/x")
    finally:
        client.stop()


def test_reconnects_after_the_pbx_drops_the_connection(ami):
    client, events, statuses = _client(ami)
    client.start()
    try:
        ami.wait_clients(1)
        ami.drop()
        wait_for(lambda: ami.logins == 2 and ami.clients, what="reconnect")
        assert client.connections == 2
        assert [s for s, _ in statuses if s != "connecting"][:3] == [
            "connected", "disconnected", "connected"
        ]
        ami.play("missed")
        wait_for(lambda: any(e["Event"] == "Cdr" for e in events), what="events after reconnect")
    finally:
        client.stop()


def test_refused_connection_is_told_in_words_and_retried():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there
    statuses: list[tuple[str, str]] = []
    got = threading.Event()

    def status(state, text):
        statuses.append((state, text))
        if len([1 for st, _ in statuses if st == "disconnected"]) >= 2:
            got.set()

    client = AmiClient("127.0.0.1", port, "crm", "x", on_event=lambda m: None,
                       on_status=status, backoff=(0.05,))
    client.start()
    try:
        assert got.wait(5)
    finally:
        client.stop()
    assert any("не принимает соединения" in t for _s, t in statuses)
    with pytest.raises(AmiError, match="Нет соединения с АТС"):
        client.action("Ping", timeout=0.1)
