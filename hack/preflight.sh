#!/usr/bin/env bash
# Says whether this host can run the real-node layer (test/framework/cluster,
# test/node): prints nothing when it can, else one line naming why not.
# It reads only cheap facts, so make calls it before building anything.
set -euo pipefail

if [ "${REAL_NODE:-auto}" = off ]; then
	echo "REAL_NODE=off"
	exit 0
fi
if [ "$(uname -s)" != Linux ]; then
	echo "the host is $(uname -s), and the node needs Linux"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "not root (the node mounts, makes network namespaces and changes nftables)"
	exit 0
fi
if [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
	echo "the host runs cgroup v2 only, and the node's kubelet is set up for cgroup v1"
	exit 0
fi
