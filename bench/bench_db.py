"""Scratch PostgreSQL databases for benchmarks: created when missing, dropped only if the name says 'bench'."""

from __future__ import annotations

from urllib.parse import urlsplit


def _name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to touch database {name!r}: a benchmark database name must contain 'bench'")
    return name


def postgres_prepare(url: str, *, drop: bool) -> None:
    """Make sure the database in ``url`` exists; with ``drop``, start it empty."""
    import psycopg
    from psycopg import sql

    name = _name(url)
    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if drop:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
