#!/usr/bin/env bash
# Registers the compose cluster's two HAProxy instances (docker-compose.yml: haproxy-1, haproxy-2) with the gateway.
# Runtime API, master CLI (-S in docker-compose.yml) and map paths are as the silos see them: host network, and the maps volume at /var/lib/bluegreen/maps
# (the same path HAProxy reads, so no --map-file-write-path is needed).
#   BLUEGREEN_TOKEN=$BLUEGREEN_ADMIN_TOKEN bash deploy/compose/proxies.sh                 # a local bluegreen CLI
#   BLUEGREEN_CLI="docker compose run --rm cli" bash deploy/compose/proxies.sh             # the CLI image
set -euo pipefail
read -r -a cli <<< "${BLUEGREEN_CLI:-bluegreen}"
"${cli[@]}" proxy add edge-1 --runtime-api tcp://127.0.0.1:9999 --master-api tcp://127.0.0.1:9979 --map-file /var/lib/bluegreen/maps/edge-1.map
"${cli[@]}" proxy add edge-2 --runtime-api tcp://127.0.0.1:9998 --master-api tcp://127.0.0.1:9978 --map-file /var/lib/bluegreen/maps/edge-2.map
