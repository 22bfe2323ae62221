#!/usr/bin/env bash
# Installs the release gover (from scripts/build-release) as $DESTDIR$PREFIX/bin/gover.
#
#   scripts/install.sh                                 # /usr/local/bin/gover
#   PREFIX="$HOME/.local" scripts/install.sh           # ~/.local/bin/gover
#   DESTDIR=/tmp/pkgroot PREFIX=/usr scripts/install.sh   # staged, for packaging
#
# Builds the release binary first when there is none (.build-release/gover); run
# scripts/build-release yourself to refresh it. GOVER_BINARY=path installs another binary.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${PREFIX:-/usr/local}"
destdir="${DESTDIR:-}"
binary="${GOVER_BINARY:-$repo/.build-release/gover}"

[[ "$prefix" == /* ]] || { echo "install.sh: PREFIX must be an absolute path (got '$prefix')" >&2; exit 2; }
if [[ ! -x "$binary" ]]; then
    [[ -z "${GOVER_BINARY:-}" ]] || { echo "install.sh: $binary is not an executable file" >&2; exit 1; }
    "$repo/scripts/build-release" >&2
fi

target="$destdir$prefix/bin/gover"
install -d -m 0755 "$destdir$prefix/bin"
# Into a temporary name, then rename: a gover that is running keeps its old binary.
install -m 0755 "$binary" "$target.new"
mv -f "$target.new" "$target"
echo "installed $("$target" --version) as $target"
