#!/usr/bin/env bash
# Registers the compose cluster's two edges (docker-compose.yml: haproxy-1 + agent-1, haproxy-2 + agent-2) in agent
# mode: the server reaches each HAProxy only through the stream its agent opens, so no Runtime API, master CLI or map
# path is given here. Each new credential is written (mode 600) into that edge's credential volume through the cli
# service, which mounts them (run `docker compose up` first: the agents' image gives the new volumes their owner); the
# agent reads it at its next start, within a minute (docker-compose.yml, x-agent). Running this again re-issues both
# credentials and cuts the agents' streams: then `docker compose restart agent-1 agent-2`.
#   bash deploy/compose/proxies.sh
#   BLUEGREEN_CLI="docker-compose run --rm cli" bash deploy/compose/proxies.sh      # docker-compose 1.29
set -euo pipefail
read -r -a cli <<< "${BLUEGREEN_CLI:-docker compose run --rm cli}"
"${cli[@]}" proxy add edge-1 --agent --credential-file /credentials/edge-1/agent.credential
"${cli[@]}" proxy add edge-2 --agent --credential-file /credentials/edge-2/agent.credential
