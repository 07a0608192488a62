"""Reading real-world letters right, beyond the samples: multipart/alternative, no text part,
attachment names in RFC 2047 words, a charset that lies."""

from __future__ import annotations

import base64

from crmdesk.integrations.imap import html_to_text, parse_letter


def test_alternative_prefers_the_plain_text():
    raw = (
        b"From: a@example.ru\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=koi8-r\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=F0=D2=C9=D7=C5=D4\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML</p>\r\n--b--\r\n"
    )
    assert parse_letter(raw).text == "Привет"


def test_a_letter_without_a_text_part_keeps_its_file():
    pdf = base64.b64encode(b"%PDF-1.4 x").decode()
    name = "=?utf-8?b?" + base64.b64encode("Счёт №5.pdf".encode()).decode() + "?="
    raw = (
        "From: =?utf-8?b?0JjQstCw0L0=?= <ivan@example.ru>\r\nSubject: \r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        f'--b\r\nContent-Type: application/pdf; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{pdf}\r\n--b--\r\n"
    ).encode()
    letter = parse_letter(raw)
    assert letter.text == "" and letter.from_name == "Иван"
    assert letter.files == [("Счёт №5.pdf", "application/pdf", b"%PDF-1.4 x")]


def test_a_lying_charset_is_read_as_far_as_it_goes():
    body = "Добрый день".encode("cp1251")
    raw = (b"From: a@example.ru\r\nSubject: x\r\nContent-Type: text/plain; charset=x-unknown"
           b"\r\n\r\n" + body)
    assert parse_letter(raw).text == "Добрый день"


def test_html_to_text_drops_scripts_and_keeps_paragraphs():
    html = ("<html><head><style>p{}</style></head><body><p>Один&nbsp;два</p>"
            "<script>x()</script><div>Три<br>четыре</div></body></html>")
    assert html_to_text(html) == "Один два\n\nТри\nчетыре"
