"""The whole schema: importing this registers every table module on `Base.metadata`.

Migrations, the test fixtures and schema-wide checks (erasure cascades) go through here, so a
new table module only needs adding to this list.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from aegle.store import health, labs, tables

TABLE_MODULES = (tables, health, labs)
metadata: MetaData = tables.Base.metadata
