#!/usr/bin/env bash
# Regenerates src/proto/ from etcd 3.4's .proto files (Debian: golang-etcd-server-dev).
set -euo pipefail
cd "$(dirname "$0")/.."
ETCD_SRC=${ETCD_SRC:-/usr/share/gocode/src/go.etcd.io/etcd}
rm -rf proto/etcd src/proto
mkdir -p src/proto
python3 scripts/strip-proto.py "$ETCD_SRC" proto/etcd src/proto/gateway-routes.ts

protoc -I proto/etcd \
  --plugin=protoc-gen-ts_proto=node_modules/.bin/protoc-gen-ts_proto \
  --ts_proto_out=src/proto \
  --ts_proto_opt=forceLong=bigint,snakeToCamel=false,outputServices=grpc-js,esModuleInterop=true,importSuffix=.js,useOptionals=none,oneof=unions-value,env=node,useDate=false,outputJsonMethods=true,outputPartialMethods=true,exportCommonSymbols=false \
  $(cd proto/etcd && find . -name '*.proto' | sed 's|^\./||' | sort)
