# The pizza example worker on Apache Kafka and Aerospike (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The library first (with the Aerospike client), so code changes in examples/ rebuild fast.
COPY pyproject.toml README.md ./
COPY dagger ./dagger
RUN pip install ".[aerospike]"

COPY examples ./examples

EXPOSE 6066
CMD ["python", "-m", "examples.pizza.worker"]
