#!/bin/sh
# A multi-host test rig by hand (test/lib/rig/): hosts as network namespaces on one bridge,
# each with its own containerd and skiff agent, the control server on the bridge address.
#   scripts/rig.sh up [--hosts 3] [--backend host-gw|vxlan]   (until Ctrl-C)
#   scripts/rig.sh down                                        (removes rigs of dead runs)
# Needs root and a build (npm run build; SKIFF_DIST=DIR for another output directory).
set -e
cd "$(dirname "$0")/.."
exec node "${SKIFF_DIST:-dist}/test/lib/rig/cli.js" "$@"
