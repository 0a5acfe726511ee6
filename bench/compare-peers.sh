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
export PEERS=${PEERS:-"curator kazoo node-zk zk-recipes"}
export PEER_CMD_zk_recipes="node --import $here/node_modules/tsx/dist/loader.mjs $here/bench/peer.ts"
export RESULTS=${RESULTS:-$here/bench/results/$(date -u +%Y%m%dT%H%M%SZ).jsonl}
mkdir -p "$(dirname "$RESULTS")"
"$work/run-peers.sh"
echo "results: $RESULTS" >&2
