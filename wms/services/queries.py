"""Read-side helpers shared by the query use cases: paging and text filters."""

from __future__ import annotations

import sqlalchemy as sa

from wms.extensions import db

MAX_PAGE_SIZE = 500


def paginate(stmt: sa.Select, page: int, page_size: int, *, scalars: bool = True) -> tuple[list, int]:
    """One page of a query and the total number of rows it has."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    offset = (max(page, 1) - 1) * page_size
    if offset >= total:
        return [], total  # past the end, however far (an OFFSET beyond 2**63 fails in the database)
    result = db.session.execute(stmt.limit(page_size).offset(offset))
    rows = result.scalars().all() if scalars else result.all()
    return rows, total


def contains(column, text: str):
    """Case-insensitive 'contains' with LIKE wildcards in the text taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
