"""Alembic environment: the URL comes from the caller (workshop.migrate), never from an ini file."""

from alembic import context

from workshop.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    from workshop.db import make_engine

    url = config.get_main_option("sqlalchemy.url")
    assert url, "migrate.upgrade() sets sqlalchemy.url"
    engine = make_engine(url, statement_timeout=0, lock_timeout=0)  # migrations may be slow (and wait)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
