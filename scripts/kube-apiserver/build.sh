#!/usr/bin/env bash
# Builds kube-apiserver v1.20.2 from Debian bookworm's `kubernetes` source package,
# for the tests that need a real Kubernetes API server (no nodes: apiserver + etcd).
#
# Only Debian apt and npm are reachable, so the source comes from `apt-get source`
# (its orig tarball carries the whole vendor/ tree) and Go from golang-1.19-go.
# Also installs etcd (Debian's etcd-server), the apiserver's storage.
# Idempotent: exits at once when etcd and the cached binary exist.
#
#   KCANARY_CACHE   cache directory (default ~/.cache/kcanary)
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
if ! command -v etcd >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends etcd-server >/dev/null
fi

cache=${KCANARY_CACHE:-$HOME/.cache/kcanary}
out=$cache/kube-apiserver-v1.20.2
if [ -x "$out" ]; then
  exit 0
fi
mkdir -p "$cache"

here=$(cd "$(dirname "$0")" && pwd)

# A deb-src line for bookworm on the machine's own Debian mirror.
bash "$here/add-deb-src.sh"
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  dpkg-dev golang-1.19-go \
  golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/kcanary-kube-apiserver.XXXXXX")
[ -n "${KCANARY_KEEP_BUILD:-}" ] || trap 'rm -rf "$work"' EXIT
cd "$work"
echo "kube-apiserver: fetching the kubernetes source package" >&2
apt-get source -qq kubernetes >/dev/null 2>&1
srcdir=$(find . -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)

# Go module mode fails on this tree; GOPATH mode works.
export GOPATH=$work/gopath GO111MODULE=off CGO_ENABLED=0 GOFLAGS=
export GOCACHE=$work/gocache PATH=/usr/lib/go-1.19/bin:$PATH
tree=$GOPATH/src/k8s.io/kubernetes
mkdir -p "$(dirname "$tree")"
mv "$srcdir" "$tree"
cd "$tree"

# The vendored reflect2 1.0.1 crashes on Go >= 1.18; use Debian's fixed versions.
for pkg in github.com/modern-go/reflect2 github.com/json-iterator/go; do
  rm -rf "vendor/$pkg"
  cp -rL "/usr/share/gocode/src/$pkg" "vendor/$pkg"
  find "vendor/$pkg" -name '*_test.go' -delete
done

# pkg/generated/openapi/zz_generated.openapi.go is generated at build time upstream.
echo "kube-apiserver: generating OpenAPI definitions" >&2
go build -o "$work/openapi-gen" k8s.io/kubernetes/vendor/k8s.io/kube-openapi/cmd/openapi-gen
# Its inputs are the packages carrying +k8s:openapi-gen tags, as upstream's Makefile finds them.
inputs=$(grep -rl --include='*.go' --exclude='*_test.go' '+k8s:openapi-gen=' pkg staging/src/k8s.io vendor \
  | grep -v -e '/testdata/' -e '/_' -e '/testing/' \
  | xargs -n1 dirname \
  | sed -e 's#^staging/src/##' -e 's#^vendor/##' -e 's#^pkg/#k8s.io/kubernetes/pkg/#' \
  | sort -u | paste -sd, -)
inputs="$inputs,k8s.io/apimachinery/pkg/apis/meta/v1,k8s.io/apimachinery/pkg/runtime,k8s.io/apimachinery/pkg/version"
"$work/openapi-gen" \
  --input-dirs "$inputs" \
  --output-base "$GOPATH/src" \
  --output-package k8s.io/kubernetes/pkg/generated/openapi \
  --output-file-base zz_generated.openapi \
  --go-header-file hack/boilerplate/boilerplate.generatego.txt \
  --report-filename "$work/openapi-violations.txt" >/dev/null 2>&1

echo "kube-apiserver: compiling (a few minutes)" >&2
vpkg=k8s.io/kubernetes/vendor/k8s.io/component-base/version
go build -o "$work/kube-apiserver" -trimpath \
  -ldflags "-s -w -X $vpkg.gitVersion=v1.20.2 -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=20 -X $vpkg.gitTreeState=clean" \
  k8s.io/kubernetes/cmd/kube-apiserver
mv "$work/kube-apiserver" "$out.tmp"
mv "$out.tmp" "$out"
echo "kube-apiserver: built $out" >&2
