"""Dynamic lists: what each list shows, fetched a page at a time with rights applied.

A list is a declaration (``ListSpec``): its columns as SQL expressions, the query with the
user's rights, how the quick search narrows it. ``count`` and ``fetch`` serve any page of any
list; the desktop's list model, the tests and exports all use them. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import True_
from sqlalchemy.sql.functions import FunctionElement

from crmdesk.models import (
    AuditEntry,
    Client,
    ClientEmail,
    ClientGroup,
    ClientPhone,
    ContactPerson,
    ContactPhone,
    Deal,
    Document,
    Interaction,
    Product,
    Role,
    Settlement,
    Stage,
    Task,
    User,
    utcnow,
)
from crmdesk.models.clients import client_group_links
from crmdesk.models.crm import INTERACTION_KINDS, TASK_STATUSES, Attachment
from crmdesk.services import rights
from crmdesk.services import search as searching
from crmdesk.services.context import Context
from crmdesk.services.errors import ValidationError
from crmdesk.services.search import escape_like, fold, normalize, search_condition

OPS = {
    "=": "равно",
    "!=": "не равно",
    "contains": "содержит",
    ">": "больше",
    ">=": "больше или равно",
    "<": "меньше",
    "<=": "меньше или равно",
    "empty": "не заполнено",
    "filled": "заполнено",
    "older": "давнее, дней",  # a date more than N days ago, or none at all
}


@dataclass
class Filter:
    key: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Col:
    """One column: its title, SQL expression and how its values look."""

    key: str
    title: str
    expr: Any
    kind: str = "text"  # text | money | date | datetime | bool | int | percent | phone | enum
    width: int = 120
    sortable: bool = True
    choices: dict | None = None  # enum: stored value → shown text
    hidden: bool = False  # not shown until the user adds it with the column chooser
    translated: bool = False  # values are names the UI translates (the default roles')
    sort: Any = None  # the expression to order by, when not the shown one (an indexed key)
    indexed: bool = False  # an index gives the rows in this column's order (see ``fetch``)
    # the condition of a filter on this column, when it is not a test of the shown value
    # (a column showing several groups: a row matches when any group does); None: the usual
    match: Callable[[Session, Filter], Any] | None = None

    def order_key(self, session: Session):
        """What the list orders by: the sort key; text as Russian is sorted (case and ё
        ignored, «Ёлочка» among the «Е»), the same on both databases."""
        if self.sort is not None:
            return self.sort
        return fold(session, self.expr) if self.kind == "text" else self.expr


@dataclass
class ListState:
    """What the user has asked of a list: search, filters, sort, marked rows, fixed owner."""

    search: str = ""
    filters: list[Filter] = field(default_factory=list)
    sort_key: str | None = None
    descending: bool = False
    show_marked: bool = True
    fixed: dict[str, Any] = field(default_factory=dict)


@dataclass
class ListRow:
    id: int
    marked: bool
    posted: bool | None
    alert: bool
    values: tuple
    warn: bool = False  # the second tone (amber): near a deadline, say


@dataclass
class ListSpec:
    name: str
    title: str
    model: type
    columns: list[Col]
    query: Callable[[Context], Select]  # select_from + joins + rights; columns are added
    search: Callable[[Session, str], Any] | None = None
    default_sort: str | None = None
    default_descending: bool = False
    marked: Any = None
    posted: Any = None
    alert: Callable[[], Any] | None = None
    # rows in the second tone (amber) unless they are alert rows: fn(session) -> condition
    warn: Callable[[Session], Any] | None = None
    fixed: dict[str, Any] = field(default_factory=dict)  # key → column for related lists
    form: str | None = None  # the object form that opens a row
    display: Callable[[tuple], str] | None = None  # how a chosen row reads in a reference

    def column(self, key: str) -> Col:
        for col in self.columns:
            if col.key == key:
                return col
        raise ValidationError("Колонка", f"в списке «{self.title}» нет колонки «{key}»")


def text_search(*columns) -> Callable[[Session, str], Any]:
    def condition(session: Session, text: str):
        q = normalize(text)
        if not q:
            return None
        pattern = f"%{escape_like(q)}%"
        return or_(*[fold(session, c).like(pattern, escape="\\") for c in columns])

    return condition


class joined(FunctionElement):  # noqa: N801 (reads as a function in a column declaration)
    """Several related texts in one cell, «Оптовые, VIP»: ``joined(text, order_by)``."""

    type = String()
    inherit_cache = True
    name = "joined"


@compiles(joined, "sqlite")
def _joined_sqlite(element, compiler, **kw):
    text, _order = list(element.clauses)  # rows come in the order of the link's key
    return f"group_concat({compiler.process(text, **kw)}, ', ')"


@compiles(joined, "postgresql")
def _joined_pg(element, compiler, **kw):
    text, order = list(element.clauses)
    text, order = compiler.process(text, **kw), compiler.process(order, **kw)
    return f"string_agg({text}, ', ' ORDER BY {order})"


def any_of(related: Callable[[], Select], column) -> Callable[[Session, Filter], Any]:
    """The filter of a column showing several related values (``related()``: a select of
    them for the row): a row matches «равно Оптовые» when any of its values is «Оптовые»,
    «не равно» when none is, «не заполнено» when it has none."""

    def match(session: Session, flt: Filter):
        rows = related()
        if flt.op in ("empty", "filled"):
            return rows.exists() if flt.op == "filled" else ~rows.exists()
        q = normalize(str(flt.value or ""))
        if flt.op == "contains":
            return rows.where(
                fold(session, column).like(f"%{escape_like(q)}%", escape="\\")
            ).exists()
        if flt.op in ("=", "!="):
            cond = rows.where(fold(session, column) == q).exists()
            return cond if flt.op == "=" else ~cond
        return None

    return match


def _condition(session: Session, spec: ListSpec, state: ListState):
    conds = []
    if state.search.strip() and spec.search is not None:
        cond = spec.search(session, state.search)
        if cond is not None:
            conds.append(cond)
    if not state.show_marked and spec.marked is not None:
        conds.append(spec.marked.is_(False))
    for key, value in state.fixed.items():
        if key not in spec.fixed:
            raise ValidationError("Отбор", f"в списке «{spec.title}» нет отбора «{key}»")
        conds.append(spec.fixed[key] == value)
    for flt in state.filters:
        conds.append(_filter(session, spec.column(flt.key), flt))
    return and_(true(), *conds)


def _coerce(col: Col, value):
    if value is None or value == "":
        return None
    try:
        if col.kind == "money":
            return Decimal(str(value).replace(" ", "").replace(",", "."))
        if col.kind == "int":
            return int(value)
        if col.kind in ("date", "datetime"):
            if isinstance(value, str):
                value = parse_date(value, col.title)
            if col.kind == "datetime" and not isinstance(value, datetime):
                return datetime(value.year, value.month, value.day, tzinfo=utcnow().tzinfo)
            return value
        if col.kind == "bool":
            return value if isinstance(value, bool) else str(value).lower() in ("1", "да", "true")
    except (ArithmeticError, ValueError) as exc:
        raise ValidationError(col.title, f"значение «{value}» не подходит: {exc}") from exc
    return value


def parse_date(text: str, field: str = "Дата") -> date:
    text = text.strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationError(field, f"«{text}» — не дата (ожидается дд.мм.гггг)")


def days_ago(col_title: str, value) -> datetime:
    """The moment N days ago (N as typed in a filter), for «давнее, дней»."""
    try:
        days = int(str(value).strip())
        if days < 0:
            raise ValueError
    except ValueError:
        raise ValidationError(col_title, f"«{value}» — не число дней") from None
    return utcnow() - timedelta(days=days)


def _filter(session: Session, col: Col, flt: Filter):
    if col.match is not None:
        cond = col.match(session, flt)
        if cond is not None:
            return cond
    expr = col.expr
    if flt.op == "older":
        cutoff = days_ago(col.title, flt.value)
        if col.kind == "date":
            cutoff = cutoff.date()
        return or_(expr.is_(None), expr < cutoff)
    if flt.op == "empty":
        return or_(expr.is_(None), expr == "") if col.kind == "text" else expr.is_(None)
    if flt.op == "filled":
        return and_(expr.is_not(None), expr != "") if col.kind == "text" else expr.is_not(None)
    if flt.op not in OPS:
        raise ValidationError("Условие", f"неизвестно «{flt.op}»")
    if col.kind == "enum" and col.choices and flt.value not in col.choices:
        reverse = {v: k for k, v in col.choices.items()}
        flt = Filter(flt.key, flt.op, reverse.get(flt.value, flt.value))
    if flt.op == "contains" or (col.kind == "text" and flt.op in ("=", "!=")):
        q = normalize(str(flt.value or ""))
        if flt.op == "contains":
            return fold(session, expr).like(f"%{escape_like(q)}%", escape="\\")
        cond = fold(session, expr) == q
        return cond if flt.op == "=" else ~cond
    value = _coerce(col, flt.value)
    if value is None:
        raise ValidationError(col.title, "значение для отбора не заполнено")
    return {
        "=": expr == value,
        "!=": expr != value,
        ">": expr > value,
        ">=": expr >= value,
        "<": expr < value,
        "<=": expr <= value,
    }[flt.op]


def _statement(ctx: Context, spec: ListSpec, state: ListState, opaque=False) -> Select:
    cond = _condition(ctx.session, spec, state)
    if opaque:  # the same condition, but one SQLite's planner does not look into
        cond = func.coalesce(cond, false())
    return spec.query(ctx).where(cond)


# A search or filter that many rows match: reading the sort column's index in order and
# testing each row finds the first page after a few hundred rows, while SQLite's own plan
# (the search's indexes, then sorting all that matched) costs in proportion to the matches:
# 100 rows of «ива» among 100,000 matches of a million clients took 110 ms, in order 10 ms.
DENSE = 10_000
NEAR_END = 1_000  # deeper in the list the in-order walk gets long: SQLite's plan again


def _narrowed_by_index_order(spec: ListSpec, state: ListState) -> bool:
    """A search or filter narrows the list, and its order is one an index gives."""
    if not (state.search.strip() or state.filters):
        return False
    key = state.sort_key or spec.default_sort
    return key is not None and spec.column(key).indexed


def _walk_index(ctx: Context, spec: ListSpec, state: ListState, total: int, skip: int) -> bool:
    if ctx.session.get_bind().dialect.name != "sqlite" or total < DENSE or skip > NEAR_END:
        return False
    return _narrowed_by_index_order(spec, state)


# Up to this many matches PostgreSQL finds them all and sorts them: that costs about what
# counting them did, while a walk along the name index costs what the matches' places in
# name order make it (the 25,000 «рома» sit together among «ооо «р…»: 300-600 ms).
FEW_PG = 50_000


def _few_matches(ctx: Context, spec: ListSpec, state: ListState, total: int) -> bool:
    """PostgreSQL, the other way round: its planner guesses how many rows a search matches
    and, for a page in name order, likes to read the name index in order testing each
    row. With few matches that walk is long: 2,400 clients with «9123» in a phone among a
    million took 100 ms; finding them first (the trigram index) and sorting them, 10 ms."""
    if ctx.session.get_bind().dialect.name != "postgresql" or total >= FEW_PG:
        return False
    return _narrowed_by_index_order(spec, state)


def _walks_blind(ctx: Context, stmt: Select) -> bool:
    """Whether PostgreSQL's plan for ``stmt`` walks an index with no range, testing every
    row (a prefix search walks just its range of the name index, and that is best)."""
    conn = ctx.session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    nodes = [plan[0]["Plan"]] if isinstance(plan, list) else []
    while nodes:
        node = nodes.pop()
        if (
            node.get("Node Type") in ("Index Scan", "Index Only Scan")
            and "Filter" in node
            and "Index Cond" not in node
        ):
            return True
        nodes.extend(node.get("Plans", []))
    return False


def _sorted_matches(
    ctx: Context, spec: ListSpec, state: ListState, reverse: bool, skip: int, limit: int
) -> Select:
    """The page's ids: every matching row found first (``OFFSET 0`` keeps PostgreSQL from
    merging the subquery into a walk along an index), then sorted."""
    key = state.sort_key or spec.default_sort
    desc = (state.descending if state.sort_key else spec.default_descending) != reverse
    cols = [spec.model.id.label("row_id")]
    if key:
        cols.append(spec.column(key).order_key(ctx.session).label("sort_key"))
    matches = (
        _statement(ctx, spec, state)
        .with_only_columns(*cols, maintain_column_froms=True)
        .offset(0)
        .subquery()
    )
    order = [matches.c.sort_key] if key else []
    order.append(matches.c.row_id)
    return (
        select(matches.c.row_id)
        .order_by(*[c.desc() if desc else c.asc() for c in order])
        .offset(skip)
        .limit(limit)
    )


def _sorts_all(ctx: Context, stmt: Select) -> bool:
    """Whether SQLite's plan for ``stmt`` sorts every matching row (a prefix search that
    reads the name index in order already does not)."""
    conn = ctx.session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = (None,) * len(compiled.positiontup or ())  # values do not change the plan
    plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    return any("TEMP B-TREE FOR ORDER BY" in str(row[-1]) for row in plan)


# The client list's quick search chooses its plan by the estimated matches, as a database
# planner does (``search.estimate``: the search tested on a sample of clients): few matches
# are found through the trigram index and sorted; many are met walking the name index in
# order from the first name a match may have (``search.first_key``), each row tested, until
# the page is full. The walk's length is estimated from the sample too (where in name order
# its matches lie: the 25,000 «рома» of the old demo sat together among «ооо «р…»).
# Measured at a million clients on PostgreSQL: 3-9 µs a row walked (the row read from the
# table for its test), 4-8 µs a match found and sorted; the walk's length is the less sure
# estimate (a few sampled rows), so it must come out clearly shorter.
WALK_COST = 2.0  # a row read along the name index and tested
FIND_COST = 1.0  # a match found through the trigram index, read and sorted
SURE_MANY = 10_000  # estimated matches (of SURE_HITS sampled at least) past which the
SURE_HITS = 30  # whole client list's capped count is not run: there are more than the cap


def _searches_clients_by_name(spec: ListSpec, state: ListState) -> bool:
    key = state.sort_key or spec.default_sort
    return (
        spec.search is _client_search
        and bool(state.search.strip())
        and key is not None
        and spec.column(key).sort is Client.search_name
    )


def _client_plan(
    ctx: Context, spec: ListSpec, state: ListState, need: int, descending: bool
) -> str | None:
    """For the client list's quick search in name order: the name a walk starts from
    ('' from the list's end) when walking is cheaper, None when finding the matches and
    sorting them is; ``...`` when the search is no case of it (the planners' own plan)."""
    if not _searches_clients_by_name(spec, state):
        return ...
    q = searching.normalize_query(state.search)
    if not q or searching.prefix_only(q):
        return ...  # a range of the name index, in order: both planners take it
    est = searching.estimate(ctx.session, state.search, _owner(ctx, spec, state))
    start = "" if descending else searching.first_key(ctx.session, state.search)
    if est.walk(start, need, descending) * WALK_COST < est.to_find * FIND_COST:
        return start
    return None


def _owner(ctx: Context, spec: ListSpec, state: ListState) -> int | None:
    """The manager whose clients alone the client list shows (rights or a fixed owner)."""
    if "owner_id" in state.fixed:
        return state.fixed["owner_id"]
    if spec.query is _clients_query and not isinstance(rights.client_filter(ctx.user), True_):
        return ctx.user.id
    return None


def _walking(ctx: Context, spec: ListSpec, state: ListState, start: str) -> Select:
    """The list's statement for a walk along the name index from ``start``: the search as a
    LIKE test of each row (SQLite's FTS5 would gather every match first), hidden from the
    planners so neither turns to the trigram index; names before ``start`` left out."""
    rest = _condition(ctx.session, spec, replace(state, search=""))
    match = searching.search_condition(ctx.session, state.search, like=True)
    stmt = spec.query(ctx).where(rest, func.coalesce(match, false()))
    return stmt.where(Client.search_name >= start) if start else stmt


def _found(ctx: Context, spec: ListSpec, state: ListState) -> Select | None:
    """SQLite, few matches of the client list's search: its ids from the candidates the
    search's indexes list (``search.candidates_condition``); the rights and filters told to
    the planner as true of almost every row (``likelihood``), so it does not walk the
    manager's index instead, testing 100,000 rows for 15 matches."""
    if ctx.session.get_bind().dialect.name != "sqlite" or spec.query is not _clients_query:
        return None
    candidates = searching.candidates_condition(ctx.session, state.search)
    if candidates is None:
        return None
    rest = and_(
        rights.client_filter(ctx.user), _condition(ctx.session, spec, replace(state, search=""))
    )
    return (
        select(Client.id)
        .select_from(Client)
        .where(func.likelihood(rest, literal_column("0.99")), candidates)
    )


def _surely_many(ctx: Context, spec: ListSpec, state: ListState) -> bool:
    """The whole client list (no filter, every client visible) and a search the sample
    finds so often that it surely matches more rows than any count cap."""
    if not _searches_clients_by_name(spec, state) or state.filters or state.fixed:
        return False
    if spec.query is not _clients_query or not isinstance(
        rights.client_filter(ctx.user), True_
    ):
        return False
    est = searching.estimate(ctx.session, state.search)
    return est is not None and est.matches >= SURE_MANY and est.sampled_hits >= SURE_HITS


def count(ctx: Context, spec: ListSpec, state: ListState, cap: int | None = None) -> int:
    """How many rows the list has; with ``cap``, at most ``cap + 1`` (more than ``cap``
    means «at least that many»: the count stops early instead of visiting every match)."""
    stmt = _statement(ctx, spec, state)
    if cap is not None:
        if _surely_many(ctx, spec, state):
            return cap + 1
        start = _client_plan(ctx, spec, state, cap + 1, False)
        if start is not None and start is not ...:
            ids = (
                _walking(ctx, spec, state, start)
                .with_only_columns(spec.model.id, maintain_column_froms=True)
                .order_by(*_order(ctx.session, spec, state, False))
                .limit(cap + 1)
            )
            return ctx.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        if start is None and (found := _found(ctx, spec, state)) is not None:
            ids = found.limit(cap + 1).subquery()
            return ctx.session.scalar(select(func.count()).select_from(ids)) or 0
        ids = (
            stmt.with_only_columns(spec.model.id, maintain_column_froms=True)
            .order_by(None)
            .limit(cap + 1)
            .subquery()
        )
        return ctx.session.scalar(select(func.count()).select_from(ids)) or 0
    stmt = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return ctx.session.scalar(stmt) or 0


UNKNOWN_TOTAL = 1 << 40  # what fetch() assumes while the exact count is not known yet


def _order(session: Session, spec: ListSpec, state: ListState, reverse: bool) -> list:
    key = state.sort_key or spec.default_sort
    desc = state.descending if state.sort_key else spec.default_descending
    desc = desc != reverse
    order = []
    if key:
        expr = spec.column(key).order_key(session)
        order.append(expr.desc() if desc else expr.asc())
    pk = spec.model.id
    order.append(pk.desc() if desc else pk.asc())
    return order


def fetch(
    ctx: Context,
    spec: ListSpec,
    state: ListState,
    offset: int,
    limit: int,
    total: int | None = None,
    exact: bool = True,
) -> list[ListRow]:
    """Rows ``offset`` … ``offset+limit`` in the list's order.

    Past the middle of the list the query runs in the opposite order from the end, so the
    last page (Ctrl+End) costs what the first one does. ``exact=False``: ``total`` is only a
    lower bound (a capped count), so pages are read from the start.
    """
    if total is None:
        total = count(ctx, spec, state)
    elif not exact:
        total = UNKNOWN_TOTAL
    limit = max(0, min(limit, total - offset))
    if limit == 0:
        return []
    reverse = offset > total // 2
    flags = [
        spec.model.id,
        spec.marked if spec.marked is not None else false(),
        spec.posted if spec.posted is not None else literal(None),
        spec.alert() if spec.alert is not None else false(),
        spec.warn(ctx.session) if spec.warn is not None else false(),
    ]
    # The page's ids first, then the columns of those rows only: SQLite computes a row's
    # columns (the phone, e-mail and group subqueries) before it sorts, so selecting them
    # with the sort would compute them for every row that matches, not for the page.
    order = _order(ctx.session, spec, state, reverse)
    skip = total - offset - limit if reverse else offset

    def page_ids(opaque: bool) -> Select:
        return (
            _statement(ctx, spec, state, opaque)
            .with_only_columns(spec.model.id, maintain_column_froms=True)
            .order_by(*order)
            .offset(skip)
            .limit(limit)
            .correlate(None)
        )

    page = page_ids(False)
    descending = (state.descending if state.sort_key else spec.default_descending) != reverse
    start = _client_plan(ctx, spec, state, skip + limit, descending)
    if start is None:  # few matches: find them and sort them
        if ctx.session.get_bind().dialect.name == "postgresql":  # (its planner would walk)
            page = _sorted_matches(ctx, spec, state, reverse, skip, limit)
        elif (found := _found(ctx, spec, state)) is not None:
            page = found.order_by(*order).offset(skip).limit(limit).correlate(None)
    elif start is not ...:
        page = (
            _walking(ctx, spec, state, start)
            .with_only_columns(spec.model.id, maintain_column_froms=True)
            .order_by(*order)
            .offset(skip)
            .limit(limit)
            .correlate(None)
        )
    elif _walk_index(ctx, spec, state, total, skip) and _sorts_all(ctx, page):
        page = page_ids(True)
    elif _few_matches(ctx, spec, state, total) and _walks_blind(ctx, page):
        page = _sorted_matches(ctx, spec, state, reverse, skip, limit)
    stmt = spec.query(ctx).with_only_columns(
        *flags, *[c.expr for c in spec.columns], maintain_column_froms=True
    )
    if start is ...:
        stmt = stmt.where(spec.model.id.in_(page.scalar_subquery())).order_by(*order)
        rows = ctx.session.execute(stmt).all()
    else:  # the page's ids as values: a plan for the page's rows alone, in the page's order
        ids = list(ctx.session.scalars(page))
        place = {row_id: i for i, row_id in enumerate(ids)}
        rows = sorted(
            ctx.session.execute(stmt.where(spec.model.id.in_(ids))).all() if ids else [],
            key=lambda r: place[r[0]],
        )
    if reverse:
        rows.reverse()
    return [
        ListRow(r[0], bool(r[1]), None if r[2] is None else bool(r[2]), bool(r[3]), tuple(r[5:]),
                bool(r[4]) and not r[3])
        for r in rows
    ]


def row_index(ctx: Context, spec: ListSpec, state: ListState, row_id: int) -> int | None:
    """Where a row stands in the list's current order (to keep the cursor on it)."""
    key = state.sort_key or spec.default_sort
    stmt = _statement(ctx, spec, state)

    def only(*cols):
        return stmt.with_only_columns(*cols, maintain_column_froms=True).order_by(None)

    if not ctx.session.scalar(only(func.count()).where(spec.model.id == row_id)):
        return None
    desc = state.descending if state.sort_key else spec.default_descending
    if key is None:
        cond = spec.model.id > row_id if desc else spec.model.id < row_id
    else:
        expr = spec.column(key).order_key(ctx.session)
        value = ctx.session.scalar(only(expr).where(spec.model.id == row_id))
        if value is None:
            return None
        before = (expr > value) if desc else (expr < value)
        tie = spec.model.id > row_id if desc else spec.model.id < row_id
        cond = or_(before, and_(expr == value, tie))
    return ctx.session.scalar(only(func.count()).where(cond))


def format_value(col: Col, value) -> str:
    """A value as the lists show it: dd.mm.yyyy, 12 345,67, +7 (912) 345-67-89."""
    from crmdesk.services.money import format_money
    from crmdesk.services.phones import show_phone

    if value is None:
        return ""
    if col.kind == "money":
        return format_money(value)
    if col.kind == "datetime" and isinstance(value, datetime):
        return value.astimezone().strftime("%d.%m.%Y %H:%M")
    if col.kind == "date" and isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if col.kind == "bool":
        return "Да" if value else "Нет"
    if col.kind == "percent":
        return f"{value.normalize():f}".replace(".", ",") + " %"
    if col.kind == "phone":
        return show_phone(value)
    if col.kind == "enum" and col.choices:
        return str(col.choices.get(value, value))
    return str(value)


def rows_as_text(spec: ListSpec, rows: list[ListRow]) -> list[list[str]]:
    return [[format_value(c, v) for c, v in zip(spec.columns, r.values, strict=True)] for r in rows]


# --- the lists ---------------------------------------------------------------------------

Owner = aliased(User)
ClientOwner = aliased(User)


def _first(column, parent_fk, parent_id, order):
    return select(column).where(parent_fk == parent_id).order_by(order).limit(1).scalar_subquery()


def _clients_query(ctx: Context) -> Select:
    # no join to the owner: SQLite would look a user up for each of a million rows just to
    # count them; the owner's name is a subquery computed for the rows shown
    return select(Client.id).select_from(Client).where(rights.client_filter(ctx.user))


def _client_search(session: Session, text: str):
    return search_condition(session, text)


def _client_groups() -> Select:
    """The groups of the client of the row (for its column and filter)."""
    return (
        select(ClientGroup.name)
        .join(client_group_links, client_group_links.c.group_id == ClientGroup.id)
        .where(client_group_links.c.client_id == Client.id)
    )


def _contacts_of_client(since: datetime | None = None):
    cond = and_(Interaction.client_id == Client.id, Interaction.deletion_mark.is_(False))
    return cond if since is None else and_(cond, Interaction.occurred_at >= since)


def _last_contact_filter(session: Session, flt: Filter):
    """«No contact for N days» asks the interactions index per client, not the maximum."""
    if flt.op == "older":
        since = days_ago("Последний контакт", flt.value)
        return ~exists().where(_contacts_of_client(since))
    if flt.op in ("empty", "filled"):
        cond = exists().where(_contacts_of_client())
        return cond if flt.op == "filled" else ~cond
    return None


CLIENTS = ListSpec(
    name="clients",
    title="Клиенты",
    model=Client,
    columns=[
        # ordered by the indexed normalized name (ё = е, case folded)
        Col("name", "Наименование", Client.name, width=260, sort=Client.search_name, indexed=True),
        Col("inn", "ИНН", Client.inn, width=110),
        Col(
            "phone",
            "Телефон",
            _first(ClientPhone.e164, ClientPhone.client_id, Client.id, ClientPhone.id),
            kind="phone",
            width=150,
            sortable=False,
        ),
        Col(
            "email",
            "Эл. почта",
            _first(ClientEmail.email, ClientEmail.client_id, Client.id, ClientEmail.id),
            width=180,
            sortable=False,
        ),
        Col(
            "group",
            "Группы",
            _client_groups()
            .with_only_columns(joined(ClientGroup.name, ClientGroup.id))
            .scalar_subquery(),
            width=140,
            sortable=False,
            match=any_of(_client_groups, ClientGroup.name),
        ),
        Col(
            "owner",
            "Менеджер",
            select(ClientOwner.full_name)
            .where(ClientOwner.id == Client.owner_id)
            .scalar_subquery(),
            width=160,
        ),
        Col(
            "last_contact",
            "Последний контакт",
            select(func.max(Interaction.occurred_at))
            .where(_contacts_of_client())
            .scalar_subquery(),
            kind="datetime",
            width=135,
            sortable=False,  # a million clients cannot be sorted by it: the filter finds them
            match=_last_contact_filter,
        ),
        Col(
            "kind",
            "Вид",
            Client.kind,
            kind="enum",
            width=90,
            choices={"company": "Организация", "ip": "ИП", "person": "Частное лицо"},
        ),
        Col("status", "Статус", Client.status, width=100, hidden=True),
        Col("source", "Источник", Client.source, width=100, hidden=True),
        Col("kpp", "КПП", Client.kpp, width=90, hidden=True),
        Col("created_at", "Создан", Client.created_at, kind="datetime", width=120, hidden=True),
        Col("id", "Код", Client.id, kind="int", width=70, hidden=True),
    ],
    query=_clients_query,
    search=_client_search,
    default_sort="name",
    marked=Client.deletion_mark,
    fixed={"owner_id": Client.owner_id},
    form="client",
    display=lambda values: values[0],
)


def _visible_clients(ctx: Context):
    return rights.client_filter(ctx.user)


def _contacts_query(ctx: Context) -> Select:
    return select(ContactPerson.id).join(Client).where(_visible_clients(ctx))


CONTACTS = ListSpec(
    name="contacts",
    title="Контактные лица",
    model=ContactPerson,
    columns=[
        Col("name", "ФИО", ContactPerson.name, width=220),
        Col("position", "Должность", ContactPerson.position, width=150),
        Col(
            "phone",
            "Телефон",
            _first(ContactPhone.e164, ContactPhone.contact_id, ContactPerson.id, ContactPhone.id),
            kind="phone",
            width=150,
            sortable=False,
        ),
        Col("client", "Клиент", Client.name, width=220),
        Col("birthday", "День рождения", ContactPerson.birthday, kind="date", width=100),
    ],
    query=_contacts_query,
    search=text_search(ContactPerson.name, Client.name),
    default_sort="name",
    marked=ContactPerson.deletion_mark,
    fixed={"client_id": ContactPerson.client_id},
    form="contact",
    display=lambda values: values[0],
)

GROUPS = ListSpec(
    name="groups",
    title="Группы клиентов",
    model=ClientGroup,
    columns=[Col("name", "Наименование", ClientGroup.name, width=240)],
    query=lambda ctx: select(ClientGroup.id),
    search=text_search(ClientGroup.name),
    default_sort="name",
    marked=ClientGroup.deletion_mark,
    form="group",
    display=lambda values: values[0],
)

USERS = ListSpec(
    name="users",
    title="Пользователи",
    model=User,
    columns=[
        Col("full_name", "ФИО", User.full_name, width=220),
        Col("login", "Имя входа", User.login, width=120),
        Col("role", "Роль", Role.name, width=200, translated=True),
        Col("position", "Должность", User.position, width=160),
        Col("phone", "Телефон", User.phone, kind="phone", width=150),
        Col("email", "Эл. почта", User.email, width=170),
        Col("active", "Активен", User.active, kind="bool", width=70),
    ],
    query=lambda ctx: select(User.id).join(Role),
    search=text_search(User.full_name, User.login),
    default_sort="full_name",
    marked=User.deletion_mark,
    form="user",
    display=lambda values: values[0],
)

ROLES = ListSpec(
    name="roles",
    title="Роли",
    model=Role,
    columns=[
        Col("name", "Наименование", Role.name, width=240, translated=True),
        Col("code", "Код", Role.code, width=100, hidden=True),  # names, not codes, shown
    ],
    query=lambda ctx: select(Role.id),
    search=text_search(Role.name, Role.code),
    default_sort="name",
    form="role",
    display=lambda values: values[0],
)

PRODUCTS = ListSpec(
    name="products",
    title="Товары и услуги",
    model=Product,
    columns=[
        Col("name", "Наименование", Product.name, width=280),
        Col("article", "Артикул", Product.article, width=100),
        Col("unit", "Ед.", Product.unit, width=50),
        Col("price", "Цена", Product.price, kind="money", width=100),
        Col("cost_price", "Себестоимость", Product.cost_price, kind="money", width=100),
        Col("vat_rate", "НДС", Product.vat_rate, kind="percent", width=60),
        Col(
            "kind",
            "Вид",
            Product.kind,
            kind="enum",
            width=80,
            choices={"goods": "Товар", "service": "Услуга"},
        ),
    ],
    query=lambda ctx: select(Product.id),
    search=text_search(Product.name, Product.article),
    default_sort="name",
    marked=Product.deletion_mark,
    form="product",
    display=lambda values: values[0],
    fixed={"kind": Product.kind},  # «Подбор»'s groups: goods, services
)


def _documents_query(doc_type: str) -> Callable[[Context], Select]:
    def query(ctx: Context) -> Select:
        return (
            select(Document.id)
            .join(Client, Client.id == Document.client_id)
            .outerjoin(Owner, Owner.id == Document.manager_id)
            .where(Document.doc_type == doc_type, _visible_clients(ctx))
        )

    return query


def _document_search(session: Session, text: str):
    q = text.strip()
    if not q:
        return None
    clients = select(Client.id).where(search_condition(session, q))
    return or_(
        Document.number.like(f"%{escape_like(q.upper())}%", escape="\\"),
        Document.client_id.in_(clients),
    )


def _invoice_overdue():
    owed = (
        select(func.coalesce(func.sum(Settlement.amount), 0))
        .where(Settlement.invoice_id == Document.id)
        .scalar_subquery()
    )
    return and_(Document.posted.is_(True), Document.due_date < date.today(), owed > 0)


def _document_display(values: tuple) -> str:
    when = values[0].astimezone().strftime("%d.%m.%Y") if values[0] else ""
    return f"{values[1]} от {when}"


def _document_spec(doc_type: str, title: str, form: str, extra: list[Col], alert=None):
    return ListSpec(
        name=f"{doc_type}s",
        title=title,
        model=Document,
        columns=[
            Col("date", "Дата", Document.date, kind="datetime", width=120),
            Col("number", "Номер", Document.number, width=130),
            Col("client", "Клиент", Client.name, width=240),
            Col("total", "Сумма", Document.total, kind="money", width=110),
            *extra,
            Col("manager", "Менеджер", Owner.full_name, width=150),
            Col("comment", "Комментарий", Document.comment, width=200, hidden=True),
        ],
        query=_documents_query(doc_type),
        search=_document_search,
        default_sort="date",
        default_descending=True,
        marked=Document.deletion_mark,
        posted=Document.posted,
        alert=alert,
        fixed={"client_id": Document.client_id, "basis_id": Document.basis_id,
               "deal_id": Document.deal_id},
        form=form,
        display=_document_display,
    )


PROPOSALS = _document_spec(
    "proposal",
    "Коммерческие предложения",
    "proposal",
    [
        Col("due_date", "Действует до", Document.due_date, kind="date", width=100),
    ],
)
ORDERS = _document_spec(
    "order",
    "Заказы клиентов",
    "order",
    [
        Col("due_date", "Оплата по плану", Document.due_date, kind="date", width=110),
        Col(
            "cost_total", "Себестоимость", Document.cost_total, kind="money", width=110, hidden=True
        ),
    ],
)
INVOICES = _document_spec(
    "invoice",
    "Счета на оплату",
    "invoice",
    [
        Col("due_date", "Оплатить до", Document.due_date, kind="date", width=100),
        Col(
            "owed",
            "Долг",
            select(func.sum(Settlement.amount))
            .where(Settlement.invoice_id == Document.id)
            .scalar_subquery(),
            kind="money",
            width=100,
            sortable=False,
        ),
    ],
    alert=_invoice_overdue,
)
PAYMENTS = _document_spec(
    "payment",
    "Поступления оплат",
    "payment",
    [
        Col(
            "payment_method",
            "Способ",
            Document.payment_method,
            kind="enum",
            width=90,
            choices={"bank": "Безналичные", "cash": "Наличные"},
        ),
    ],
)

Author = aliased(User)


def _interactions_query(ctx: Context) -> Select:
    return (
        select(Interaction.id)
        .join(Client, Client.id == Interaction.client_id)
        .outerjoin(Author, Author.id == Interaction.user_id)
        .where(_visible_clients(ctx))
    )


INTERACTIONS = ListSpec(
    name="interactions",
    title="Взаимодействия",
    model=Interaction,
    columns=[
        Col("occurred_at", "Когда", Interaction.occurred_at, kind="datetime", width=120),
        Col("kind", "Вид", Interaction.kind, kind="enum", width=130, choices=INTERACTION_KINDS),
        Col("client", "Клиент", Client.name, width=200),
        Col("gist", "Суть", Interaction.gist, width=300),
        Col("next_step", "Договорились", Interaction.next_step, width=200),
        Col("user", "Кто", Author.full_name, width=140),
        Col("duration", "Мин.", Interaction.duration_min, kind="int", width=50, hidden=True),
    ],
    query=_interactions_query,
    search=text_search(Interaction.gist, Client.name),
    default_sort="occurred_at",
    default_descending=True,
    marked=Interaction.deletion_mark,
    fixed={"client_id": Interaction.client_id, "deal_id": Interaction.deal_id},
    form="interaction",
)

TaskClient = aliased(Client)


def _tasks_query(ctx: Context) -> Select:
    stmt = (
        select(Task.id)
        .outerjoin(TaskClient, TaskClient.id == Task.client_id)
        .outerjoin(Author, Author.id == Task.executor_id)
    )
    if not (ctx.can(rights.VIEW_ALL) or ctx.can(rights.ASSIGN)):
        stmt = stmt.where(or_(Task.executor_id == ctx.user.id, Task.author_id == ctx.user.id))
    return stmt


TASKS = ListSpec(
    name="tasks",
    title="Задачи",
    model=Task,
    columns=[
        Col("deadline", "Срок", Task.deadline, kind="datetime", width=120),
        Col("title", "Задача", Task.title, width=280),
        Col("executor", "Исполнитель", Author.full_name, width=150),
        Col("client", "Клиент", TaskClient.name, width=200),
        Col("status", "Состояние", Task.status, kind="enum", width=90, choices=TASK_STATUSES),
        Col(
            "priority",
            "Важность",
            Task.priority,
            kind="enum",
            width=80,
            choices={1: "Высокая", 2: "Обычная", 3: "Низкая"},
        ),
        Col("remind_at", "Напомнить", Task.remind_at, kind="datetime", width=120, hidden=True),
    ],
    query=_tasks_query,
    search=text_search(Task.title),
    default_sort="deadline",
    marked=Task.deletion_mark,
    alert=lambda: and_(Task.status == "open", Task.deadline < utcnow()),
    fixed={"client_id": Task.client_id, "executor_id": Task.executor_id, "status": Task.status,
           "deal_id": Task.deal_id},
    form="task",
)

DealManager = aliased(User)


def _deals_query(ctx: Context) -> Select:
    return (
        select(Deal.id)
        .join(Client, Client.id == Deal.client_id)
        .join(Stage, Stage.id == Deal.stage_id)
        .outerjoin(DealManager, DealManager.id == Deal.manager_id)
        .where(_visible_clients(ctx))
    )


DEALS = ListSpec(
    name="deals",
    title="Сделки",
    model=Deal,
    columns=[
        Col("created_at", "Начата", Deal.created_at, kind="datetime", width=120),
        Col("title", "Сделка", Deal.title, width=240),
        Col("client", "Клиент", Client.name, width=200),
        Col("stage", "Этап", Stage.name, width=140),
        Col("amount", "Сумма", Deal.amount, kind="money", width=100),
        Col("manager", "Менеджер", DealManager.full_name, width=150),
        Col("expected_close", "Закрытие (ожид.)", Deal.expected_close, kind="date", width=100),
        Col("source", "Источник", Deal.source, width=120, hidden=True),
    ],
    query=_deals_query,
    search=text_search(Deal.title, Client.name),
    default_sort="created_at",
    default_descending=True,
    fixed={"client_id": Deal.client_id, "stage_id": Deal.stage_id,
           "manager_id": Deal.manager_id,
           # «open»: 1 — the deals a document, a task or an interaction may still join
           "open": case((or_(Stage.is_final.is_(True), Stage.is_refusal.is_(True)), 0), else_=1)},
    form="deal",
    display=lambda values: values[1],  # the deal's title
)

AuditUser = aliased(User)
HISTORY = ListSpec(
    name="history",
    title="История изменений",
    model=AuditEntry,
    columns=[
        Col("at", "Когда", AuditEntry.at, kind="datetime", width=120),
        Col("user", "Кто", AuditUser.full_name, width=150),
        Col("field", "Поле", AuditEntry.field, width=140),
        Col("old", "Было", AuditEntry.old_value, width=200),
        Col("new", "Стало", AuditEntry.new_value, width=200),
    ],
    query=lambda ctx: select(AuditEntry.id).outerjoin(
        AuditUser, AuditUser.id == AuditEntry.user_id
    ),
    default_sort="at",
    default_descending=True,
    fixed={"object_type": AuditEntry.object_type, "object_id": AuditEntry.object_id},
)

Adder = aliased(User)
ATTACHMENTS = ListSpec(
    name="attachments",
    title="Файлы",
    model=Attachment,
    columns=[
        Col("name", "Файл", Attachment.name, width=240),
        Col("size", "Размер, байт", Attachment.size, kind="int", width=100),
        Col("mime", "Тип", Attachment.mime, width=140),
        Col("added_at", "Добавлен", Attachment.added_at, kind="datetime", width=120),
        Col("added_by", "Кем", Adder.full_name, width=150),
    ],
    query=lambda ctx: select(Attachment.id).outerjoin(Adder, Adder.id == Attachment.added_by_id),
    default_sort="added_at",
    default_descending=True,
    fixed={"owner_type": Attachment.owner_type, "owner_id": Attachment.owner_id},
)

SPECS: dict[str, ListSpec] = {
    s.name: s
    for s in (
        CLIENTS,
        CONTACTS,
        GROUPS,
        USERS,
        ROLES,
        PRODUCTS,
        PROPOSALS,
        ORDERS,
        INVOICES,
        PAYMENTS,
        INTERACTIONS,
        TASKS,
        DEALS,
        HISTORY,
        ATTACHMENTS,
    )
}


def spec(name: str) -> ListSpec:
    try:
        return SPECS[name]
    except KeyError:
        raise ValidationError("Список", f"неизвестен «{name}»") from None


def today_range() -> tuple[datetime, datetime]:
    start = datetime.combine(date.today(), datetime.min.time()).astimezone()
    return start, start + timedelta(days=1)


def export_xlsx(
    ctx: Context, spec: ListSpec, state: ListState, keys: list[str], path, progress=None
) -> int:
    """The list as shown (its search, filters, order and columns) into an XLSX file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    cols = [spec.column(k) for k in keys]
    idx = [spec.columns.index(c) for c in cols]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.title[:31])
    for n, col in enumerate(cols):
        ws.column_dimensions[chr(65 + n) if n < 26 else "A"].width = max(8, col.width // 7)
    header = []
    for col in cols:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, col.title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    total = count(ctx, spec, state)
    done = 0
    while done < total:
        for r in fetch(ctx, spec, state, done, 1000, total):
            out = []
            for i, col in zip(idx, cols, strict=True):
                value = r.values[i]
                if col.kind in ("money", "int", "percent") and value is not None:
                    out.append(value)
                elif col.kind in ("date",) and value is not None:
                    out.append(value)
                else:
                    out.append(format_value(col, value))
            ws.append(out)
        done += 1000
        if progress:
            progress(min(done, total), total)
    wb.save(path)
    return total


def display(ctx: Context, spec: ListSpec, row_id: int) -> str:
    """How one row reads in a reference field («ООО Ромашка», «СЧ-2026-000001 от …»)."""
    stmt = _statement(ctx, spec, ListState()).where(spec.model.id == row_id)
    row = ctx.session.execute(
        stmt.with_only_columns(*[c.expr for c in spec.columns], maintain_column_froms=True)
    ).first()
    if row is None:
        return ""
    return spec.display(tuple(row)) if spec.display else str(row_id)


def matching_ids(ctx: Context, spec: ListSpec, state: ListState) -> list[int]:
    """Ids of every row the list shows with its search and filters (for exports)."""
    stmt = _statement(ctx, spec, state).with_only_columns(spec.model.id).order_by(None)
    return list(ctx.session.scalars(stmt))


# Lists that other areas declare in modules of their own; imported here, once, so every list
# exists whatever was imported first (the CLI, the desktop, the translation tool alike).
from crmdesk.services import (  # noqa: E402,F401  (each module adds its specs to SPECS)
    banklists,
    calllists,
    commlists,
    housinglists,
    requestlists,
)
