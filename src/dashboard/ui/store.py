"""The engine, created, migrated and seeded once per process and server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from dashboard.db import make_engine
from dashboard.seed import init_store
from dashboard.settings import get_settings


@st.cache_resource(show_spinner="Opening the store (first start creates and seeds it)…")
def _engine_for(url: str) -> Engine:
    engine = make_engine(url)
    init_store(engine)
    return engine


def engine() -> Engine:
    """The store's engine for the configured DATABASE_URL (or the embedded SQLite file)."""
    return _engine_for(get_settings().effective_database_url)


@contextmanager
def session() -> Iterator[Session]:
    with Session(engine()) as current:
        yield current
