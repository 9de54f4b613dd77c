# The Tapo Cameras sidecar in its own container (sidecar mode): Grafana's plugin executable runs a
# relay to this container's gRPC port, authenticated with TAPO_GRPC_SECRET (see docker-compose.yaml).
#
# The image holds Node, ffmpeg and the start script, not the plugin: the built plugin folder
# (npm run build → dist/datasource, the datasource nested in the app) is mounted read-only at /plugin, so Grafana and
# the sidecar always run the same build.
#
#   docker build -f docker/sidecar.Dockerfile -t camwatch/tapo-sidecar .
#   docker run -e TAPO_GRPC_SECRET -v "$PWD/dist/datasource:/plugin:ro" -v tapo-data:/data camwatch/tapo-sidecar
# Node 22 (the build's floor too); the bundle itself runs on any Node >= 22.13.
FROM node:22-bookworm-slim

# ffmpeg grabs JPEG frames from the cameras' RTSP streams; ca-certificates for nothing camera-side
# (cameras use self-signed TLS, pinned by the client) but for any HTTPS the user points it at.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data /plugin \
 && chown node:node /data

COPY docker/sidecar-entrypoint.sh /usr/local/bin/tapo-sidecar
COPY docker/healthcheck.mjs /usr/local/lib/tapo/healthcheck.mjs
RUN chmod 0755 /usr/local/bin/tapo-sidecar

ENV TAPO_DATA_DIR=/data \
    TAPO_FFMPEG=/usr/bin/ffmpeg \
    NODE_ENV=production

USER node
VOLUME ["/data"]
# 10001: gRPC for Grafana, TLS with the shared secret (TAPO_GRPC_SECRET, required beyond loopback).
# 8080: HTTP API, /metrics and the status page.
EXPOSE 10001 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=5 \
  CMD ["node", "/usr/local/lib/tapo/healthcheck.mjs"]

ENTRYPOINT ["/usr/local/bin/tapo-sidecar"]
