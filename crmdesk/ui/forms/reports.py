"""The report form: period and filters, Сформировать, a grouped table with totals, a chart,
saved as XLSX/PDF. One form for every report; each report is a line in REPORTS."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QPieSeries,
)
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QToolTip,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from crmdesk.reports import PARAM_TITLES, REPORTS, run_report, save_report
from crmdesk.reports.axis import abbreviate, group_number, nice_ticks, tick_places
from crmdesk.services.errors import CrmError
from crmdesk.ui.forms import register_special
from crmdesk.ui.generic.base import FormBase, show_error
from crmdesk.ui.generic.fields import Field, RefEditor
from crmdesk.ui.i18n import tr
from crmdesk.ui.icons import icon

PERIODS = {
    "month": "Этот месяц",
    "quarter": "Этот квартал",
    "year": "Этот год",
    "next8w": "Следующие 8 недель",
    "custom": "Произвольный период",
}


def period_bounds(code: str, today: date | None = None) -> tuple[date, date]:
    today = today or date.today()
    if code == "month":
        start = today.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    elif code == "quarter":
        first = (today.month - 1) // 3 * 3 + 1
        start = today.replace(month=first, day=1)
        end = (start + timedelta(days=93)).replace(day=1) - timedelta(days=1)
    elif code == "year":
        start, end = today.replace(month=1, day=1), today.replace(month=12, day=31)
    else:  # the next 8 weeks from this Monday
        start = today - timedelta(days=today.weekday())
        end = start + timedelta(weeks=8, days=-1)
    return start, end


def _date_edit(value: date) -> QDateEdit:
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd.MM.yyyy")
    return edit


class ReportForm(FormBase):
    def __init__(self, shell, name: str):
        super().__init__(shell)
        self.name, self.info = name, REPORTS[name]
        wants = set(self.info.params)
        self.form_key = f"report:{name}"
        self.result = None
        self.setWindowTitle(tr(self.info.title))
        self.setWindowIcon(icon("report"))
        top = QHBoxLayout()
        default = "next8w" if name == "forecast" else "year"
        start, end = period_bounds(default)
        self.period = QComboBox()
        for code, title in PERIODS.items():
            self.period.addItem(tr(title), code)
        self.period.setCurrentIndex(self.period.findData(default))
        self.date_from, self.date_to = _date_edit(start), _date_edit(end)
        self.as_of = _date_edit(date.today())
        self.period.currentIndexChanged.connect(self._period_chosen)
        if "date_from" in wants:
            top.addWidget(QLabel(tr("Период:")))
            for w in (self.period, self.date_from, QLabel("—"), self.date_to):
                top.addWidget(w)
        if "as_of" in wants:
            top.addWidget(QLabel(tr("На дату:")))
            top.addWidget(self.as_of)
        self.group_by = self._combo(top, tr("Группировка:"), self.info.choices.get("group_by"))
        self.step = self._combo(top, tr("Шаг:"), self.info.choices.get("period"))
        commands = QHBoxLayout()  # filters and commands: a row of their own
        commands.addWidget(QLabel(tr("Менеджер:")))
        self.manager = RefEditor(Field("manager", "Менеджер", "ref", ref="user"), shell, self)
        self.manager.setMinimumWidth(220)
        commands.addWidget(self.manager)
        self.settled = None
        if "include_settled" in wants:
            self.settled = QCheckBox(tr(PARAM_TITLES["include_settled"]))
            top.addWidget(self.settled)
        commands.addStretch(1)
        run = QPushButton(icon("refresh"), tr("Сформировать"))
        run.setShortcut("Ctrl+Return")
        run.clicked.connect(self.generate)
        commands.addWidget(run)
        for name_, text, ext in (("export_xlsx", "XLSX", "xlsx"), ("export_pdf", "PDF", "pdf")):
            b = QPushButton(icon(name_), tr("Сохранить {0}").format(text))
            b.clicked.connect(lambda _=False, e=ext: self.save(e))
            commands.addWidget(b)
        top.addStretch(1)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(True)
        self.table.setAlternatingRowColors(True)
        # before «Сформировать»: a hint, not a bare «1» header over empty chart frames
        self.table.setHeaderHidden(True)
        QTreeWidgetItem(self.table, [tr("Выберите период и отборы и нажмите «Сформировать»"
                                        " (Ctrl+Enter).")])
        # a report may draw up to two pictures (receivables: ageing pie, largest debtors)
        self.charts = [QChartView(), QChartView()]
        charts = QWidget()
        row = QHBoxLayout(charts)
        row.setContentsMargins(0, 0, 0, 0)
        for view in self.charts:
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumHeight(260)
            row.addWidget(view)
        self.chart = self.charts[0]
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(charts)
        self.chart_panel = charts
        charts.hide()
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(commands)
        layout.addWidget(split, 1)
        layout.addWidget(self.notes)

    def _combo(self, layout, label: str, choices: dict | None) -> QComboBox | None:
        if not choices:
            return None
        combo = QComboBox()
        for code, title in choices.items():
            combo.addItem(tr(title), code)
        layout.addWidget(QLabel(label))
        layout.addWidget(combo)
        return combo

    def _period_chosen(self) -> None:
        code = self.period.currentData()
        if code == "custom":
            return
        start, end = period_bounds(code)
        self.date_from.setDate(QDate(start.year, start.month, start.day))
        self.date_to.setDate(QDate(end.year, end.month, end.day))

    def params(self) -> dict:
        """The values of the parameters this report takes (crmdesk.reports.REPORTS)."""
        values = {
            "date_from": self.date_from.date().toPython(),
            "date_to": self.date_to.date().toPython(),
            "as_of": self.as_of.date().toPython(),
            "group_by": self.group_by.currentData() if self.group_by else None,
            "period": self.step.currentData() if self.step else None,
            "manager": self.manager.get(),
            "include_settled": self.settled.isChecked() if self.settled else None,
        }
        return {k: v for k, v in values.items() if k in self.info.params and v is not None}

    def generate(self):
        try:
            with self.app.uow(read_only=True) as ctx:
                self.result = run_report(ctx, self.name, self.params())
        except CrmError as exc:
            show_error(self, exc)
            return None
        self._show(self.result)
        return self.result

    def _show(self, result) -> None:
        from crmdesk.services.lists import Col, format_value

        cols = result.columns
        self.table.clear()
        self.table.setHeaderHidden(False)
        self.table.setColumnCount(len(cols))
        self.table.setHeaderLabels([tr(c.title) for c in cols])

        def fill(item: QTreeWidgetItem, row: dict, bold=False) -> None:
            for i, c in enumerate(cols):
                kind = c.kind if c.kind in ("money", "date", "int") else "text"
                value = row.get(c.key)
                if c.kind == "percent" and value is not None:
                    text = f"{value} %".replace(".", ",")
                elif c.kind == "number" and value is not None:
                    text = str(value).replace(".", ",")
                else:
                    text = format_value(Col(c.key, c.title, None, kind), value)
                item.setText(i, text)
                if c.kind in ("money", "percent", "int", "number"):
                    item.setTextAlignment(i, Qt.AlignmentFlag.AlignRight)
                if bold:
                    font = QFont()
                    font.setBold(True)
                    item.setFont(i, font)
                if c.key in ("overdue", "overdue_total") and value:
                    item.setForeground(i, QBrush(QColor("#c62828")))

        for g in result.groups:
            parent = self.table.invisibleRootItem()
            if g.title:
                parent = QTreeWidgetItem(self.table)
                fill(parent, g.subtotal or {cols[0].key: g.title}, bold=True)
                parent.setText(0, g.title)
                parent.setExpanded(True)
            for row in g.rows:
                fill(QTreeWidgetItem(parent), row)
        if result.total:
            total = QTreeWidgetItem(self.table)
            fill(total, result.total, bold=True)
            total.setText(0, tr(total.text(0)) or tr("Итого"))
        for i in range(len(cols)):
            self.table.resizeColumnToContents(i)
        self.notes.setText("\n".join(tr(note) for note in result.notes))
        self._chart(result)

    def _chart(self, result) -> None:
        self.chart_panel.setVisible(bool(result.charts))
        row = self.chart_panel.layout()
        for n, view in enumerate(self.charts):
            spec = result.charts[n] if n < len(result.charts) else None
            view.setVisible(spec is not None)
            view.setChart(self._draw(spec))
            # a single figure set apart (the forecast's overdue total, on a scale of its
            # own) takes a narrow column beside the chart of the periods
            alone = spec is not None and len(spec.categories) == 1 and len(result.charts) > 1
            row.setStretch(n, 2 if alone else 5)
            # bars along names need a line each, or the axis drops every other name
            lines = len(spec.categories) if spec is not None and spec.kind != "pie" else 0
            view.setMinimumHeight(max(260, 120 + 18 * lines))

    @staticmethod
    def _draw(spec) -> QChart:
        """One ReportResult chart: a pie of the first series, or bars of every series."""
        chart = QChart()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
        if spec is None:
            return chart
        chart.setTitle(tr(spec.title))
        if len(spec.categories) == 1 and spec.series and spec.kind != "pie":  # one figure
            figure = group_number(float(spec.series[0].values[0] or 0), 2)
            chart.setTitle(f"{tr(spec.title)}:<br><b>{figure}</b>")
            chart.legend().hide()  # the chart beside it names the series
        # «23.11.2026 – 29.11.2026» would be cut to «23.…» under a bar: a period shows
        # its start; bucket names are translated
        labels = [c.split(" – ")[0][:5] if " – " in c else tr(c) for c in spec.categories]
        if spec.kind == "pie" and spec.series:
            pie = QPieSeries()
            for label, value in zip(labels, spec.series[0].values, strict=False):
                if value:
                    pie.append(label, float(value))  # drawing only, never money
            # labels beside slices get cut and overlap: the legend names every slice, the
            # tooltip gives the full name and the amount
            pie.setLabelsVisible(False)
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)  # room for whole names
            for sl, full in zip(pie.slices(), [c for c, v in zip(
                    spec.categories, spec.series[0].values, strict=False) if v], strict=False):
                sl.setLabel(abbreviate(sl.label(), 28))
                sl.hovered.connect(lambda on, sl=sl, full=full: _tip(
                    on, f"{tr(full)}: {group_number(sl.value(), 2)}"))
            chart.addSeries(pie)
            return chart
        # names (clients, products) read along horizontal bars; dates and numbers go under
        # vertical ones
        # (a rotated label under the first bar falls off the chart: names of more than a few
        # letters go along horizontal bars, where each has a line of its own)
        horizontal = len(labels) > 1 and any(len(label) > 8 for label in labels)
        series = QHorizontalBarSeries() if horizontal else QBarSeries()
        for s in spec.series:
            bars = QBarSet(tr(s.name))
            bars.append([float(v or 0) for v in s.values])  # drawing only, never money
            series.append(bars)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        if horizontal:  # the first (largest) at the top
            labels = [abbreviate(x) for x in reversed(labels)]
            for bars in series.barSets():
                values = [bars.at(i) for i in range(bars.count())]
                bars.remove(0, bars.count())
                bars.append(list(reversed(values)))
        labels = _distinct(labels)  # a category axis drops a repeated label
        axis_x.append(labels)
        full = list(reversed(spec.categories)) if horizontal else list(spec.categories)
        series.hovered.connect(lambda on, i, bars: _tip(
            on, f"{tr(full[i])}: {group_number(bars.at(i), 2)}" if i < len(full) else ""))
        axis_x.setLabelsAngle(-45 if len(labels) > 6 and not horizontal else 0)
        axis_x.setTruncateLabels(False)
        axis_y = _amount_axis(
            [bars.at(i) for bars in series.barSets() for i in range(bars.count())],
            4 if horizontal else 5,
        )
        small = QFont()
        small.setPointSizeF(7.5)
        axis_x.setLabelsFont(small)  # every category labelled, none dropped for room
        axis_y.setLabelsFont(small)
        left, bottom = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignBottom
        chart.addAxis(axis_x, left if horizontal else bottom)
        chart.addAxis(axis_y, bottom if horizontal else left)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        if horizontal:
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        return chart

    def save(self, ext: str, path: str | None = None) -> str | None:
        if self.result is None and self.generate() is None:
            return None
        if not path:
            path, _ = QFileDialog.getSaveFileName(
                self, tr("Сохранить отчёт"), f"{tr(self.info.title)}.{ext}", f"*.{ext}"
            )
        if not path:
            return None
        try:
            saved = save_report(self.result, path)
        except (CrmError, OSError) as exc:
            show_error(self, exc)
            return None
        self.shell.message(tr("Отчёт сохранён: {0}").format(saved))
        return str(saved)


def _amount_axis(values: list[float], count: int = 5) -> QCategoryAxis:
    """Round ticks labelled «10 026 157», not 10026157 at odd steps."""
    ticks = nice_ticks(min(values, default=0.0), max(values, default=0.0), count)
    places = tick_places(ticks)
    axis = QCategoryAxis()
    axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    axis.setStartValue(ticks[0])
    for t in ticks[1:]:
        axis.append(group_number(t, places), t)
    axis.setRange(ticks[0], ticks[-1])
    return axis


def _distinct(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        n = seen[label] = seen.get(label, 0) + 1
        out.append(label if n == 1 else f"{label} ({n})")
    return out


def _tip(on: bool, text: str) -> None:
    if on and text:
        QToolTip.showText(QCursor.pos(), text)
    else:
        QToolTip.hideText()


register_special("report", lambda shell, target: ReportForm(shell, target))
