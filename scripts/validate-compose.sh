#!/usr/bin/env bash
# Static validation of docker-compose.yml and the Dockerfile's inputs; needs no Docker engine.
# Uses the Compose v2 plugin (`docker compose`) when present, else Compose v1 (`docker-compose`,
# Debian: apt-get install -y --no-install-recommends docker-compose).
set -euo pipefail

cd "$(dirname "$0")/.."

if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "validate-compose: neither 'docker compose' nor 'docker-compose' is installed" >&2
  echo "  Debian: apt-get install -y --no-install-recommends docker-compose" >&2
  exit 2
fi
echo "validate-compose: using $("${compose[@]}" version 2>/dev/null | head -n 1)"

# Interpolation must not depend on the caller's environment or a stray .env file.
export COMPOSE_PROJECT_NAME=sparkify-validate
for var in MINIO_ROOT_USER MINIO_ROOT_PASSWORD WAREHOUSE_PASSWORD TEMPORAL_DB_PASSWORD SPARKIFY_SEED_DIR SPARKIFY_LOG_LEVEL; do
  unset "$var"
done

"${compose[@]}" -f docker-compose.yml config -q
"${compose[@]}" -f docker-compose.yml --profile seed config -q

services="$("${compose[@]}" -f docker-compose.yml --profile seed config --services)"
status=0
for expected in temporal-db temporal temporal-ui warehouse minio minio-init minio-seed worker; do
  if ! grep -qx "$expected" <<<"$services"; then
    echo "validate-compose: service '$expected' is missing" >&2
    status=1
  fi
done

rendered="$("${compose[@]}" -f docker-compose.yml config)"
for setting in \
  'TEMPORAL_ADDRESS: temporal:7233' \
  'TEMPORAL_NAMESPACE: default' \
  'SPARKIFY_TASK_QUEUE: sparkify-etl' \
  'SPARKIFY_SOURCE: s3://sparkify/' \
  'SPARKIFY_S3_ENDPOINT: http://minio:9000' \
  'SPARKIFY_WAREHOUSE: postgres://sparkify:sparkify@warehouse:5432/sparkify' \
  'SPARKIFY_REPORT_DIR: /var/lib/sparkify/reports'; do
  if ! grep -qF "$setting" <<<"$rendered"; then
    echo "validate-compose: worker setting '$setting' not found in the rendered config" >&2
    status=1
  fi
done

# The worker's report directory: a volume on a directory the image gives its user (a volume on a
# path the image lacks is root's, and every run without --report-to failed at its last step).
# (Compose v1 renders the short syntax, v2 the long one.)
if ! grep -qE 'reports:/var/lib/sparkify/reports|target: /var/lib/sparkify/reports' <<<"$rendered"; then
  echo "validate-compose: the worker's report directory /var/lib/sparkify/reports is not on the reports volume" >&2
  status=1
fi
if ! grep -qE '^RUN .*chown node:node /var/lib/sparkify/reports' Dockerfile; then
  echo "validate-compose: the Dockerfile does not give /var/lib/sparkify/reports to the node user" >&2
  status=1
fi

# Every build-context path the Dockerfile copies must exist (multi-stage --from copies excluded).
while read -r src; do
  if [ ! -e "$src" ]; then
    echo "validate-compose: Dockerfile copies '$src', which does not exist" >&2
    status=1
  fi
done < <(awk 'toupper($1) == "COPY" && $0 !~ /--from=/ { for (i = 2; i < NF; i++) if ($i !~ /^--/) print $i }' Dockerfile)

if [ "$status" -eq 0 ]; then
  echo "validate-compose: OK"
fi
exit "$status"
