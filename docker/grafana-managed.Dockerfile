# Grafana with node (v22.13+) and ffmpeg. Managed mode: Grafana itself starts the Tapo sidecar as its
# backend plugin (no second container, no gRPC over the network). Sidecar mode (docker-compose.yaml
# builds Grafana from this file): the plugin runs the relay to the sidecar container on node.
#
#   docker build -f docker/grafana-managed.Dockerfile -t camwatch/grafana-tapo .
#   docker run -p 3000:3000 \
#     -v "$PWD/dist:/var/lib/grafana/plugins/camwatch-tapo-app:ro" \
#     -v "$PWD/provisioning:/etc/grafana/provisioning:ro" \
#     -v grafana-data:/var/lib/grafana camwatch/grafana-tapo
#
# Ubuntu's own nodejs package may be older than the sidecar needs (Node 22.13+), so this copies the
# official Node 22 binary (glibc 2.28+) from the node image instead.
FROM node:22-bookworm-slim AS node

FROM grafana/grafana:12.4.0-ubuntu
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The launcher looks for node at /usr/local/bin/node (Grafana may not pass PATH to plugins).
COPY --from=node /usr/local/bin/node /usr/local/bin/node
USER grafana
ENV GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=camwatch-tapo-app,camwatch-tapo-datasource,camwatch-tapo-panel
