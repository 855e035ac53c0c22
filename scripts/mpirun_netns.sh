#!/usr/bin/env bash
# Runs PROGRAM on 2 MPI ranks that talk over TCP through a veth link, not shared memory: rank 0
# in this network namespace, rank 1 in a namespace of its own (ip netns, iproute2; needs root).
# The namespace and the link are removed on exit.
#   bash scripts/mpirun_netns.sh build/release/tests/test_distributed
#   bash scripts/mpirun_netns.sh build/release/bench/distributed_bench
set -euo pipefail
(($# >= 1)) || { echo "usage: $0 PROGRAM [ARGS...]" >&2; exit 2; }
ns=xgrad_rank1 host=xgrad_v0 peer=xgrad_v1 net=10.222.0
cleanup() { ip link delete "$host" 2>/dev/null || true; ip netns delete "$ns" 2>/dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add "$ns"
ip link add "$host" type veth peer name "$peer"
ip link set "$peer" netns "$ns"
ip addr add "$net.1/24" dev "$host"
ip link set "$host" up
ip netns exec "$ns" ip addr add "$net.2/24" dev "$peer"
ip netns exec "$ns" ip link set "$peer" up
ip netns exec "$ns" ip link set lo up
# PMIx (how a rank reaches mpirun) listens on loopback only by default, which rank 1's namespace
# cannot reach: let it listen on the link too. btl tcp,self: no shared-memory transport.
export PMIX_MCA_ptl_tcp_remote_connections=1 PMIX_MCA_ptl_tcp_if_include=$net.0/24 OPENBLAS_NUM_THREADS=1
mpirun --allow-run-as-root --oversubscribe -x PMIX_MCA_ptl_tcp_remote_connections -x PMIX_MCA_ptl_tcp_if_include \
  -x OPENBLAS_NUM_THREADS --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" \
  -np 1 "$@" : -np 1 ip netns exec "$ns" "$@"
