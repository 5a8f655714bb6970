#!/usr/bin/env bash
# Makes a fresh Debian 12 host ready for Skiff and its tests, idempotently:
#   - installs the Debian packages the agent and the tests use (only those missing;
#     containernetworking-plugins puts the CNI plugins in /usr/lib/cni),
#   - starts dockerd if it is not answering (there is no systemd on CI hosts; where
#     systemd runs, the docker.service it installs is used instead).
# Run as root. Safe to run again; it never stops or restarts a daemon that is running.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "host-setup: run as root" >&2
  exit 1
fi

packages=(docker.io containerd containernetworking-plugins docker-registry busybox-static iptables iproute2 systemd openssl ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "host-setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

docker_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! docker_up; then
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then
    :
  else
    # A pid file left by a dockerd that died makes the next start fail.
    if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
      rm -f /var/run/docker.pid
    fi
    mkdir -p /var/log/skiff
    echo "host-setup: starting dockerd (log: /var/log/skiff/dockerd.log)"
    nohup dockerd >/var/log/skiff/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    docker_up && break
    sleep 1
  done
  docker_up || { echo "host-setup: dockerd did not start; see /var/log/skiff/dockerd.log" >&2; exit 1; }
fi
echo "host-setup: docker $(docker version --format '{{.Server.Version}}') is running"
