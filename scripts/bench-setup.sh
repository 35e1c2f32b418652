#!/usr/bin/env bash
# What `npm run bench` needs besides npm packages: the real etcd 3.4 to compare with, and Go with
# etcd's clientv3 source for the load generator (Debian packages). Installed when missing and
# this is root on a Debian-like machine; otherwise the command to run is printed and the bench
# falls back to what is there (the Node load generator; no etcd column without etcd).
set -euo pipefail
need=()
[ -x /usr/bin/etcd ] || need+=(etcd-server etcd-client)
command -v go >/dev/null 2>&1 || need+=(golang-go)
[ -d /usr/share/gocode/src/go.etcd.io/etcd/clientv3 ] || need+=(golang-etcd-server-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "bench: installing ${need[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
  # Debian's etcd package starts a system etcd on 127.0.0.1:2379; the bench uses its own ports.
  (service etcd stop 2>/dev/null || pkill -x etcd 2>/dev/null) || true
else
  echo "bench: missing ${need[*]}; install with: sudo apt-get install ${need[*]}" >&2
fi
