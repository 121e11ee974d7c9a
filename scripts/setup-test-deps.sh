#!/usr/bin/env bash
# Installs the system programs the tests talk to (Debian packages). Idempotent:
# a program already present is not installed again.
set -euo pipefail
need=()
for pair in "nginx:nginx" "chromium:chromium" "prometheus:prometheus" "unzip:unzip"; do   # chromium: the dashboard's browser tests (playwright-core drives it); prometheus: the metrics provider's tests; unzip: helm and kubectl out of their npm package
  bin=${pair%%:*}; pkg=${pair#*:}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || need+=("$pkg")
done
if ((${#need[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
bash "$(dirname "$0")/kube-apiserver/build.sh"   # kube-apiserver v1.20.2 + etcd for the Kubernetes tests
