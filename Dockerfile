FROM python:3.11-slim
RUN useradd --create-home affgraph
WORKDIR /home/affgraph/app
COPY pyproject.toml README.md ./
COPY app app
COPY graph_schema graph_schema
COPY loaders loaders
COPY queries queries
COPY stores stores
COPY data data
RUN pip install --no-cache-dir .
USER affgraph
EXPOSE 8000
CMD ["affgraph", "serve"]
