# syntax=docker/dockerfile:1
#
# The commune NVR as a container image: Debian 12 (bookworm) with Node.js 20 and
# ffmpeg 5.1, running as the unprivileged user `nvr`, the same layout as
# scripts/install.sh (/opt/nvr, /etc/nvr/config.yaml, /var/lib/nvr).
#
#   docker build -t commune-nvr .
#   docker run -d --name nvr --network host --restart unless-stopped --stop-timeout 45 \
#     -v /srv/nvr:/var/lib/nvr \
#     -v /etc/nvr/config.yaml:/etc/nvr/config.yaml:ro \
#     commune-nvr
#
# Networking: ONVIF camera discovery is WS-Discovery multicast (UDP 239.255.255.250:3702)
# on the camera LAN; from Docker's default bridge network it never reaches the cameras.
# Use --network host (recording over RTSP works on a bridge too, with -p 8080:8080).
# The data volume must be writable by uid/gid of `nvr` in the image (see `id nvr`);
# --stop-timeout 45 gives ffmpeg time to close its segments (like TimeoutStopSec).
# No systemd in a container: no READY/WATCHDOG (NOTIFY_SOCKET is unset), the clock-sync
# state is 'unknown' (the host keeps the time), Docker's HEALTHCHECK and restart policy
# stand in.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts/build-info.mjs scripts/
COPY src src
COPY web web
# `npm ci` runs the package's prepare script (tsc, then dist/build-info.json with the
# build date the clock guard needs), then the web app is built, then dev tools go.
RUN npm ci --no-audit --no-fund \
 && if [ -f web/vite.config.ts ]; then npx vite build --config web/vite.config.ts; fi \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# ffmpeg records; util-linux has setpriv (ffmpeg dies with the daemon); inotify-tools has
# inotifywait (the recordings watcher); tini reaps and forwards SIGTERM so the daemon's
# orderly stop runs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg util-linux inotify-tools tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /var/lib/nvr --no-create-home --shell /usr/sbin/nologin nvr \
 && install -d -o nvr -g nvr -m 0750 /var/lib/nvr \
 && install -d -o root -g nvr -m 0750 /etc/nvr
WORKDIR /opt/nvr
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY --from=build /src/web/dist web/dist
COPY bin bin
COPY config config
COPY docs docs
COPY tools tools
# A starting point only: mount the real configuration over it.
COPY --chown=root:nvr --chmod=0640 config/example.yaml /etc/nvr/config.yaml
ENV NODE_ENV=production TZ=UTC NVR_DATA_DIR=/var/lib/nvr
USER nvr
VOLUME /var/lib/nvr
EXPOSE 8080
# Healthy = the daemon answers and is not critical (critical: nothing records, the clock
# is before the build, the index cannot be written, the disk is full).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.NVR_PORT || 8080}/api/v1/health`).then((r) => r.json()).then((b) => process.exit(b.status === 'critical' ? 1 : 0), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/opt/nvr/bin/nvr.js"]
CMD ["serve", "--config", "/etc/nvr/config.yaml"]
