# syntax=docker/dockerfile:1
# The affgraph service: `affgraph serve` (HTTP API and web UI) on a slim Python, as a
# non-root user. Built by docker-compose.yml (services app and load); see README
# "Deploy with Neo4j".

# The web UI's libraries (app/ui/package.json, exact versions from app/ui/package-lock.json).
FROM node:22-slim AS web
WORKDIR /web
COPY app/ui/package.json app/ui/package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin affgraph
WORKDIR /home/affgraph/app
# The source (see .dockerignore) and the UI's libraries, installed as a package (the web UI is
# package data), with the exact versions of requirements.lock (the ones the tests and the
# audit ran on); data/ stays here for `affgraph load data/cases`.
COPY . .
COPY --from=web /web/node_modules app/ui/node_modules
# pyicu (for followthemoney, the FtM export) is built from source against the system's ICU.
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends g++ pkg-config libicu-dev \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir --constraint requirements.lock . && affgraph --help >/dev/null
USER affgraph
EXPOSE 8000
CMD ["affgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
