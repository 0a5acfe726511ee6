#!/usr/bin/env bash
# Runs ../shared/bench-peers (Apache Curator 5.4, kazoo 2.8, raw node-zookeeper-client) with zk-recipes as one
# more peer, in the same run on the same throwaway ZooKeeper. The shared folder is read-only, so it is copied
# to a scratch directory first (it compiles Java and installs its node peer there).
#   bench/compare-peers.sh                      # all peers, all workloads, ROUNDS=2
#   ROUNDS=1 WORKLOADS="lock.uncontended lock.contended" bench/compare-peers.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${BENCH_PEERS:-$here/../shared/bench-peers}
[[ -d $shared ]] || { echo "compare-peers: no bench-peers at $shared" >&2; exit 1; }
[[ -f $here/dist/index.js ]] || { echo "compare-peers: no built package in dist/ (npm run build, or use npm run bench:peers)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$shared/." "$work/"
chmod -R u+w "$work"
# A server still starting can accept a four-letter-word connection and never answer it, which leaves zk.sh's
# readiness probe (a bare `cat` of the socket) waiting forever: in our copy the probe gives up after 2 s and
# is tried again.
sed -i 's/&& cat <&3 )/\&\& timeout 2 cat <\&3 )/' "$work/zk.sh"
grep -q 'timeout 2 cat' "$work/zk.sh" || { echo "compare-peers: could not bound zk.sh's probe" >&2; exit 1; }
export PEERS=${PEERS:-"curator kazoo node-zk zk-recipes"}
export PEER_CMD_zk_recipes="node --import $here/node_modules/tsx/dist/loader.mjs $here/bench/peer.ts"
export RESULTS=${RESULTS:-$here/bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl}
mkdir -p "$(dirname "$RESULTS")"
"$work/run-peers.sh"
echo "results: $RESULTS" >&2
