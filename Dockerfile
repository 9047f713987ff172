# The schema-drift engine as a Docker container action. GitHub runs it as root
# with the workspace mounted at /github/workspace (the working directory), so
# there is deliberately no USER instruction.
FROM python:3.12.8-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git reads the `against` input's revision from the workspace's object store.
# DL3008 asks to pin apt versions: Debian replaces a point version with each security
# fix (the pin would then break the build), and the base image above is pinned.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/schema-drift
COPY pyproject.toml README.md entrypoint.py ./
COPY drift ./drift

# Install with the pulse extra (the redis client, for the pulse-url input) and without
# a cache, then compile bytecode once so cold starts skip it. DL3013 asks to pin a
# PyPI package; ".[pulse]" is this very source tree, whose dependencies pyproject bounds.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir ".[pulse]" \
    && python -m compileall -q "$(python -c 'import drift, os; print(os.path.dirname(drift.__file__))')" /opt/schema-drift/entrypoint.py

ENTRYPOINT ["python", "/opt/schema-drift/entrypoint.py"]
