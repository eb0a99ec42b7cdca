# syntax=docker/dockerfile:1

# The native row encoder (native/rows: no crates, so an offline build). The worker loads it from
# native/rows/target/release; without it staging writes the same rows in JavaScript, slower.
FROM rust:1-slim-bookworm AS native
WORKDIR /app/native/rows
COPY native/rows ./
RUN cargo build --release --offline

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first so the layer is reused while only sources change. Scripts are skipped because
# the package's own `prepare` (a build) needs the sources, which are not copied yet; no runtime
# dependency needs its install script (native parts ship as prebuilt optional packages).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY infra ./infra
COPY bin ./bin
# The build's first step builds the native encoder when cargo is there; this stage has none (above).
COPY scripts/native.sh ./scripts/native.sh
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
COPY --from=native --chown=root:root /app/native/rows/target/release/libsparkify_rows.so ./native/rows/target/release/libsparkify_rows.so
# SQL files are read at runtime from <package root>/sql (see src/warehouse/sql.ts).
COPY sql ./sql
# Reports of runs that name no place: /app is read-only to the worker, so they go to a directory of
# its own (a volume in docker-compose.yml); `sparkify worker` checks at start that it can write it.
RUN mkdir -p /var/lib/sparkify/reports && chown node:node /var/lib/sparkify/reports
ENV SPARKIFY_REPORT_DIR=/var/lib/sparkify/reports
# The base image's unprivileged `node` user (uid 1000); the app files stay root-owned and read-only to it.
USER node
# glibc malloc's thresholds, --max-semi-space-size, --expose-gc: src/util/workerNodeFlags.ts
ENV MALLOC_MMAP_THRESHOLD_=524288 MALLOC_TRIM_THRESHOLD_=524288
CMD ["node", "--max-semi-space-size=16", "--expose-gc", "bin/sparkify.js", "worker"]
