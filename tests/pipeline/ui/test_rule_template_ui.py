"""«Процессы и правила»: a rule that sends a letter chooses its template in the table."""

from __future__ import annotations

import os

from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from crmdesk.models import EventRule
from crmdesk.models.comms import MessageTemplate
from crmdesk.services.context import unit_of_work


def test_a_mail_rule_is_written_with_the_chosen_template(shell):
    form = shell.open_special("processes", "all")
    form.add_rule({"name": "Счёт проведён → письмо", "event": "invoice_posted",
                   "action": "email"})
    row = form.rules.rowCount() - 1
    combo = form.rules.cellWidget(row, 5)
    assert not form.write()  # no template yet
    assert "Поле «Шаблон» не заполнено" in form.messages.text()
    combo.setCurrentIndex(combo.findText("Счёт отправлен (E-mail)"))
    if os.environ.get("CRMDESK_SHOTS"):
        form.tabs.setCurrentIndex(3)
        for w, h in ((1366, 768), (1920, 1080)):
            shell.resize(w, h)
            QApplication.processEvents()
            shell.grab().save(os.path.join(os.environ["CRMDESK_SHOTS"], f"rules-{w}.png"))
    assert form.write(), form.messages.text()
    with unit_of_work(shell.app.engine) as ctx:
        rule = ctx.session.scalar(select(EventRule).where(
            EventRule.name == "Счёт проведён → письмо"))
        assert ctx.session.get(MessageTemplate, rule.template_id).name == "Счёт отправлен"
    row = next(r for r in range(form.rules.rowCount())
               if form.rules.item(r, 0).text() == "Счёт проведён → письмо")
    assert form.rules.cellWidget(row, 5).currentText() == "Счёт отправлен (E-mail)"
