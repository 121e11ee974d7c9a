#!/usr/bin/env bash
# Installs the Python baseline of the model server benchmark from Debian:
# FastAPI + uvicorn (uvloop, httptools) + scikit-learn, as KServe's sklearn server uses.
# Idempotent. Never run by the tests.
set -euo pipefail
if /usr/bin/python3 -c 'import fastapi, uvicorn, uvloop, httptools, sklearn' 2>/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-sklearn >/dev/null
