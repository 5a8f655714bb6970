#!/usr/bin/env bash
# Installs Skiff from this checkout as systemd services:
#   /opt/skiff/                 package: dist/, production node_modules/, systemd/
#   /opt/skiff/bin/skiff        wrapper: node /opt/skiff/dist/bin/skiff.js "$@"
#   /usr/local/bin/skiff        symlink to the wrapper
#   /etc/systemd/system/        skiff-control.service and/or skiff-agent.service
#   /etc/skiff/                 *.env.example (refreshed), *.env (created once, never overwritten)
#
# Usage: sudo bash systemd/install.sh [--role control|agent|both] [--skip-build]
#   --role        which services to install (default: both)
#   --skip-build  use the existing dist/ instead of running `npm run build`
#   SKIFF_INSTALL_ROOT=/some/dir  install under that directory instead of / (staging an
#                 image, tests); root is not required then and systemctl is not called.
#
# How the package gets its dependencies: the checkout's own node_modules (installed once
# with `npm ci`, the only step that needs the npm registry) is copied and pruned of dev
# dependencies with `npm prune --omit=dev --offline`. That needs no network at all and
# keeps the native better-sqlite3 addon already built for this host's CPU and Node.js;
# `npm pack` + extract would instead need a fresh `npm install` in /opt/skiff, i.e. the
# registry again plus a native rebuild (a compiler, minutes on a Pi). The consequence:
# run the installer on the machine it installs to (or one of the same CPU architecture
# and Node.js major version).
#
# Safe to run again: /opt/skiff is replaced as a whole, units are refreshed, existing
# /etc/skiff/*.env files are kept.
set -euo pipefail

die() {
  echo "install.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

role=both
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --role)
      [[ $# -ge 2 ]] || die "--role needs a value: control, agent or both"
      role=$2
      shift 2
      ;;
    --role=*)
      role=${1#--role=}
      shift
      ;;
    --skip-build)
      build=0
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown argument: $1"
      ;;
  esac
done

case "$role" in
  control) units=(skiff-control.service) ;;
  agent) units=(skiff-agent.service) ;;
  both) units=(skiff-control.service skiff-agent.service) ;;
  *) die "--role must be control, agent or both, not '$role'" ;;
esac

# An empty root (or "/") is the live system.
root=${SKIFF_INSTALL_ROOT:-}
root=${root%/}
if [[ -z "$root" && $EUID -ne 0 ]]; then
  die "installing into the system needs root: sudo bash $0 $*"
fi

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -f "$src/package.json" && -d "$src/systemd" ]] || die "$src does not look like a Skiff checkout"
command -v node >/dev/null || die "node (Node.js 20 or newer) is not on PATH"
command -v npm >/dev/null || die "npm is not on PATH"

# --- build in the checkout ---------------------------------------------------------
if [[ ! -d "$src/node_modules" ]]; then
  echo "==> npm ci (fetches dependencies from the npm registry)"
  (cd "$src" && npm ci --no-audit --no-fund)
fi
if ((build)); then
  echo "==> npm run build"
  (cd "$src" && npm run build)
fi
[[ -f "$src/dist/bin/skiff.js" ]] || die "$src/dist/bin/skiff.js is missing: build first (npm run build)"

# --- stage the package next to its final place, then swap it in ----------------------
prefix="$root/opt/skiff"
stage="$root/opt/.skiff.new.$$"
old="$root/opt/.skiff.old.$$"
trap 'rm -rf "$stage" "$old"' EXIT
mkdir -p "$root/opt"
rm -rf "$stage"
mkdir -p "$stage/node_modules" "$stage/bin"

echo "==> staging package in $stage"
cp -a "$src/package.json" "$stage/"
[[ -f "$src/package-lock.json" ]] && cp -a "$src/package-lock.json" "$stage/"
[[ -f "$src/README.md" ]] && cp -a "$src/README.md" "$stage/"
cp -a "$src/dist" "$stage/dist"
cp -a "$src/systemd" "$stage/systemd"
# "/." copies the contents even when node_modules is itself a symlink.
cp -a "$src/node_modules/." "$stage/node_modules/"
# Tests are not part of the installed program.
find "$stage/dist" -type f \( -name '*.test.js' -o -name '*.test.js.map' \) -delete
(cd "$stage" && npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund >/dev/null)

# The absolute path of the Node.js used now, so the service does not depend on PATH
# (nvm and tarball installs are not on systemd's default PATH); falls back to PATH.
node_bin=$(command -v node)
node_bin=$(readlink -f "$node_bin" 2>/dev/null || echo "$node_bin")
cat >"$stage/bin/skiff" <<EOF
#!/bin/sh
# Written by systemd/install.sh.
NODE='$node_bin'
[ -x "\$NODE" ] || NODE=node
exec "\$NODE" /opt/skiff/dist/bin/skiff.js "\$@"
EOF
chmod 0755 "$stage/bin/skiff" "$stage"

if [[ -e "$prefix" ]]; then
  mv "$prefix" "$old"
fi
mv "$stage" "$prefix"
rm -rf "$old"
echo "==> installed $prefix"

mkdir -p "$root/usr/local/bin"
ln -sfn /opt/skiff/bin/skiff "$root/usr/local/bin/skiff"

# --- units and environment files -------------------------------------------------------
mkdir -p "$root/etc/systemd/system"
install -d -m 0755 "$root/etc/skiff"
for unit in "${units[@]}"; do
  install -m 0644 "$src/systemd/$unit" "$root/etc/systemd/system/$unit"
  echo "==> installed /etc/systemd/system/$unit"
  name=${unit#skiff-}
  name=${name%.service}
  install -m 0644 "$src/systemd/$name.env.example" "$root/etc/skiff/$name.env.example"
  env_file="$root/etc/skiff/$name.env"
  if [[ -e "$env_file" ]]; then
    echo "==> kept existing /etc/skiff/$name.env"
  else
    # 0600: the agent's file will hold the join token.
    install -m 0600 "$src/systemd/$name.env.example" "$env_file"
    echo "==> created /etc/skiff/$name.env (all defaults; edit it to configure)"
  fi
done

# --- tell systemd, or tell the user -----------------------------------------------------
echo
if [[ " ${units[*]} " == *" skiff-agent.service "* ]]; then
  echo "Before starting the agent, set SKIFF_SERVER and SKIFF_TOKEN in /etc/skiff/agent.env"
  echo "(the token is in /var/lib/skiff/control/node-token on the control host)."
fi
# /run/systemd/system exists only when systemd is PID 1 (sd_booted()); containers and
# chroots have systemctl installed without a systemd to talk to.
if [[ -z "$root" && -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
  systemctl daemon-reload || echo "install.sh: systemctl daemon-reload failed; run it yourself" >&2
  echo "Enable and start with:"
else
  if [[ -n "$root" ]]; then
    echo "Installed under $root. On the system that boots from it, run:"
  else
    echo "systemd is not running on this machine; once it is, run:"
  fi
  echo "  systemctl daemon-reload"
fi
echo "  systemctl enable --now ${units[*]}"
