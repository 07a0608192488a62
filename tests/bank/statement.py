"""Statements in the 1C client-bank exchange format, written from the published format."""

from __future__ import annotations

OUR_ACCOUNT = "40702810303800012345"
OUR_INN = "7729141771"
OUR_BANK = {"БИК": "044525225", "Корсчет": "30101810400000000225", "Банк1": "ПАО СБЕРБАНК",
            "Банк2": "г. Москва"}


def payment(number, amount, purpose, *, payer_inn, payer_name, payer_account, payer_kpp="",
            date="01.12.2026", payee_account=OUR_ACCOUNT, kind="Платежное поручение",
            payee_inn=OUR_INN, payee_name='ООО "ТеплоДом"', payer_bik="044525593"):
    """One «СекцияДокумент» as (kind, ordered fields)."""
    fields = {
        "Номер": str(number),
        "Дата": date,
        "Сумма": amount,
        "ПлательщикСчет": payer_account,
        "ДатаСписано": date,
        "Плательщик": f"ИНН {payer_inn} {payer_name}",
        "ПлательщикИНН": payer_inn,
        "ПлательщикКПП": payer_kpp,
        "Плательщик1": payer_name,
        "ПлательщикРасчСчет": payer_account,
        "ПлательщикБанк1": 'АО "АЛЬФА-БАНК"',
        "ПлательщикБанк2": "г. Москва",
        "ПлательщикБИК": payer_bik,
        "ПлательщикКорсчет": "30101810200000000593",
        "ПолучательСчет": payee_account,
        "ДатаПоступило": date,
        "Получатель": f"ИНН {payee_inn} {payee_name}",
        "ПолучательИНН": payee_inn,
        "ПолучательКПП": "770101001",
        "Получатель1": payee_name,
        "ПолучательРасчСчет": payee_account,
        "ПолучательБанк1": OUR_BANK["Банк1"],
        "ПолучательБанк2": OUR_BANK["Банк2"],
        "ПолучательБИК": OUR_BANK["БИК"],
        "ПолучательКорсчет": OUR_BANK["Корсчет"],
        "ВидОплаты": "01",
        "Очередность": "5",
        "НазначениеПлатежа": purpose,
    }
    return kind, fields


def statement(docs, accounts=(OUR_ACCOUNT,), *, encoding="cp1251", crlf=True, version="1.03",
              reverse_fields=False, extra_fields=False, header_encoding=None) -> bytes:
    """A whole file: header, a «СекцияРасчСчет» per account, the documents, «КонецФайла»."""
    name = header_encoding or {"cp1251": "Windows", "utf-8": "UTF-8", "cp866": "DOS"}[encoding]
    lines = ["1CClientBankExchange", f"ВерсияФормата={version}", f"Кодировка={name}",
             "Отправитель=Бухгалтерия", "Получатель=", "ДатаСоздания=02.12.2026",
             "ВремяСоздания=08:41:17", "ДатаНачала=01.12.2026", "ДатаКонца=01.12.2026"]
    lines += [f"РасчСчет={a}" for a in accounts]
    lines += ["Документ=Платежное поручение", "Документ=Банковский ордер"]
    for a in accounts:
        lines += ["СекцияРасчСчет", "ДатаНачала=01.12.2026", "ДатаКонца=01.12.2026",
                  f"РасчСчет={a}", "НачальныйОстаток=1000.00", "ВсегоПоступило=0.00",
                  "ВсегоСписано=0.00", "КонечныйОстаток=1000.00", "КонецРасчСчет"]
    for kind, fields in docs:
        lines.append(f"СекцияДокумент={kind}")
        items = list(fields.items())
        if reverse_fields:
            items.reverse()
        if extra_fields:
            items.insert(2, ("КодНазПлатежа", ""))
            items.insert(5, ("ПоказательКБК", "18210102010011000110"))
            items.append(("Код", "0"))
        lines += [f"{k}={v}" for k, v in items]
        lines.append("КонецДокумента")
    lines.append("КонецФайла")
    end = "\r\n" if crlf else "\n"
    return (end.join(lines) + end).encode(encoding)
