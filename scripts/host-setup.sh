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

packages=(docker.io containerd containernetworking-plugins docker-registry busybox-static iptables conntrack iproute2 systemd openssl ca-certificates)
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

# A standalone containerd for `skiff agent --runtime containerd` and its tests, beside
# dockerd's own containerd (/run/containerd, /var/run/docker/containerd), which is never
# touched: own config, root, state, socket and CNI configuration directory. The config is
# `containerd config default` with only the paths, the CNI plugin directory, the sandbox
# image and restrict_oom_score_adj changed (containerd would give the pause process
# oom_score_adj -998, which runc cannot set where the daemon itself may not lower it,
# e.g. in a container or a VM sandbox: every sandbox then fails to start). When the
# config changes, the containerd this script started (pid file) is restarted; pods keep
# running across that (their shims are separate processes).
SKIFF_CONTAINERD_DIR=/etc/skiff-containerd
SKIFF_CONTAINERD_CONFIG=$SKIFF_CONTAINERD_DIR/config.toml
SKIFF_CONTAINERD_SOCK=/run/skiff-containerd/containerd.sock
# The agent writes its conflist here; it imports the pause image (it needs no registry).
SKIFF_CNI_CONF_DIR=$SKIFF_CONTAINERD_DIR/cni/net.d
SKIFF_PAUSE_IMAGE=skiff.local/pause:3.9

mkdir -p "$SKIFF_CONTAINERD_DIR" "$SKIFF_CNI_CONF_DIR" /var/log/skiff
config_tmp=$(mktemp)
containerd config default | sed \
  -e 's|^root = .*|root = "/var/lib/skiff-containerd"|' \
  -e 's|^state = .*|state = "/run/skiff-containerd"|' \
  -e "s|^  address = \"/run/containerd/containerd.sock\"|  address = \"$SKIFF_CONTAINERD_SOCK\"|" \
  -e "s|^\(\s*\)sandbox_image = .*|\1sandbox_image = \"$SKIFF_PAUSE_IMAGE\"|" \
  -e 's|^\(\s*\)bin_dir = .*|\1bin_dir = "/usr/lib/cni"|' \
  -e "s|^\(\s*\)conf_dir = .*|\1conf_dir = \"$SKIFF_CNI_CONF_DIR\"|" \
  -e 's|^\(\s*\)Root = ""|\1Root = "/run/skiff-containerd/runc"|' \
  -e 's|^\(\s*\)SystemdCgroup = .*|\1SystemdCgroup = false|' \
  -e 's|^\(\s*\)restrict_oom_score_adj = .*|\1restrict_oom_score_adj = true|' \
  >"$config_tmp"
for want in 'root = "/var/lib/skiff-containerd"' "address = \"$SKIFF_CONTAINERD_SOCK\"" "sandbox_image = \"$SKIFF_PAUSE_IMAGE\"" 'bin_dir = "/usr/lib/cni"' "conf_dir = \"$SKIFF_CNI_CONF_DIR\"" 'Root = "/run/skiff-containerd/runc"' 'restrict_oom_score_adj = true'; do
  grep -qF "$want" "$config_tmp" || { echo "host-setup: could not set '$want' in the containerd config" >&2; rm -f "$config_tmp"; exit 1; }
done
SKIFF_CONTAINERD_PID=/run/skiff-containerd.pid
containerd_up() { ctr --address "$SKIFF_CONTAINERD_SOCK" version >/dev/null 2>&1; }

if ! cmp -s "$config_tmp" "$SKIFF_CONTAINERD_CONFIG"; then
  mv "$config_tmp" "$SKIFF_CONTAINERD_CONFIG"
  if [ -f "$SKIFF_CONTAINERD_PID" ] && kill -0 "$(cat "$SKIFF_CONTAINERD_PID")" 2>/dev/null; then
    old=$(cat "$SKIFF_CONTAINERD_PID")
    echo "host-setup: containerd config changed, restarting containerd (pid $old)"
    kill "$old"
    for _ in $(seq 1 30); do kill -0 "$old" 2>/dev/null || break; sleep 1; done
  fi
else
  rm -f "$config_tmp"
fi

if ! containerd_up; then
  echo "host-setup: starting containerd on $SKIFF_CONTAINERD_SOCK (log: /var/log/skiff/containerd.log)"
  nohup containerd --config "$SKIFF_CONTAINERD_CONFIG" >>/var/log/skiff/containerd.log 2>&1 &
  echo $! >"$SKIFF_CONTAINERD_PID"
  for _ in $(seq 1 60); do
    containerd_up && break
    sleep 1
  done
  containerd_up || { echo "host-setup: containerd did not start; see /var/log/skiff/containerd.log" >&2; exit 1; }
fi
echo "host-setup: containerd $(ctr --address "$SKIFF_CONTAINERD_SOCK" version 2>/dev/null | awk '/Server:/{s=1} s&&/Version:/{print $2; exit}') is running on $SKIFF_CONTAINERD_SOCK"
