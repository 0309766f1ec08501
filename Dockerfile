# syntax=docker/dockerfile:1
# One replica of Manul Progress. All configuration comes from the environment: DATABASE_URL
# (PostgreSQL, for several replicas) and Streamlit's own options as STREAMLIT_* variables.
# compose.yaml runs it behind haproxy; README "Deploy for many users".
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
# The locked dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY .streamlit .streamlit
COPY app.py serve.py ./
COPY assets assets
COPY data data
COPY src src
COPY views views
RUN uv sync --locked --no-dev \
    && python -m compileall -q app.py serve.py src views

FROM python:${PYTHON_VERSION}-slim
RUN groupadd --system manul \
    && useradd --system --gid manul --home-dir /app --no-create-home manul
WORKDIR /app
COPY --from=build /app /app
# Only the embedded SQLite store (no DATABASE_URL: one replica, for trying it out) is written.
RUN mkdir /app/var && chown manul:manul /app/var
ENV PATH="/app/.venv/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_BROWSER_SERVER_ADDRESS=localhost
USER manul
EXPOSE 8501
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['STREAMLIT_SERVER_PORT'] + '/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "serve.py"]
