# syntax=docker/dockerfile:1
# review-analyzer container image.
#
# Two stages: `build` turns the project and every pinned dependency into wheels; the final stage
# installs only those wheels into a clean python:3.11-slim, so no build tooling, source tree or
# pip cache ships in the image. The result runs as a numeric non-root user and works with a
# read-only root filesystem: the only paths it writes are /tmp and $PROMETHEUS_MULTIPROC_DIR,
# which a deployment mounts as emptyDirs (see helm/review-analyzer).
#
#   docker build -t review-analyzer .
#   docker run --rm -p 8080:8080 --read-only \
#     --tmpfs /tmp --tmpfs /run/metrics:uid=10001,gid=10001 review-analyzer

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# service/openapi.yaml is a symlink to the repository's openapi.yaml: copy its target too.
COPY pyproject.toml README.md openapi.yaml ./
COPY service ./service
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="review-analyzer" \
      org.opencontainers.image.description="Turns free-text security code reviews into structured JSON." \
      org.opencontainers.image.licenses="Apache-2.0"
# The metrics directory is created for plain `docker run`; in Kubernetes an in-memory emptyDir
# is mounted over it. HOME=/tmp keeps anything that writes under $HOME on a writable mount.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index /wheels/*.whl \
    && install -d -o 10001 -g 10001 -m 0700 /run/metrics
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp \
    HOST=0.0.0.0 \
    PORT=8080 \
    PROMETHEUS_MULTIPROC_DIR=/run/metrics
WORKDIR /srv
USER 10001:10001
EXPOSE 8080
# gunicorn drains in-flight requests on SIGTERM (the default stop signal) for GRACEFUL_TIMEOUT.
CMD ["gunicorn", "--config", "python:service.gunicorn_conf", "service.wsgi:app"]
