#!/usr/bin/env bash
# Builds llama.cpp's llama-server for bench:speculative (LLAMA_SERVER=...), offline, from the llama.cpp
# source that node-llama-cpp bundles, linked against node-llama-cpp's prebuilt libraries so that its
# kernels are exactly the ones R1 Coder runs. Only the server itself, mtmd, cpp-httplib and
# vendor/hash are compiled (about 4 minutes on 2 cores). Linux x64 (the prebuilt CPU binaries).
#
#   scripts/build-llama-server.sh [OUT]    default OUT: .bench-cache/llama-server
#   LLAMA_SERVER=.bench-cache/llama-server/llama-server npm run bench:speculative
#
# The server has no web UI (the build is offline); its HTTP API is complete. OUT holds symlinks to
# node_modules' libraries: rebuild after reinstalling node-llama-cpp.
set -euo pipefail

R=$(cd "$(dirname "$0")/.." && pwd)
T=$(mkdir -p "${1:-$R/.bench-cache/llama-server}" && cd "${1:-$R/.bench-cache/llama-server}" && pwd)
B=$R/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
S=$W/src
O=$W/build
JOBS=${JOBS:-$(nproc)}

[ -d "$B" ] || { echo "no prebuilt node-llama-cpp libraries at $B: run npm ci on Linux x64" >&2; exit 1; }
git clone -q "$R/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$S" 2>/dev/null
mkdir -p "$O/obj" "$O/ui"

# ui.h / ui.cpp with no assets
cmake -DUI_SOURCE_DIR="$S/tools/ui" -DUI_BINARY_DIR="$O/ui" -DLLAMA_SOURCE_DIR="$S" \
  -DHF_ENABLED=OFF -DBUILD_UI=OFF -DLLAMA_UI_GZIP=ON -P "$S/scripts/ui-assets.cmake" >/dev/null

# LLAMA_SUBPROCESS: the prebuilt libllama-common was built with it (it changes a struct's layout).
export F="-O2 -DNDEBUG -std=c++17 -w -DLLAMA_SUBPROCESS -I$S/include -I$S/ggml/include -I$S/common \
  -I$S/vendor -I$S/vendor/hash -I$S/tools/mtmd -I$S -I$S/tools/server -I$O/ui"
{
  for f in "$S"/tools/server/*.cpp "$O/ui/ui.cpp" "$S/vendor/hash/hash.cpp"; do
    echo "g++ \$F -c $f -o $O/obj/$(basename "$f").o"
  done
  for f in "$S"/tools/mtmd/{mtmd,mtmd-audio,mtmd-image,mtmd-helper,mtmd-helper-gen,clip}.cpp "$S"/tools/mtmd/models/*.cpp; do
    echo "g++ \$F -DMTMD_VIDEO -c $f -o $O/obj/mtmd_$(basename "$f").o"
  done
  echo "g++ \$F -DCPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH=1048576 -DCPPHTTPLIB_LISTEN_BACKLOG=512 \
    -DCPPHTTPLIB_REQUEST_URI_MAX_LENGTH=32768 -DCPPHTTPLIB_TCP_NODELAY=1 \
    -c $S/vendor/cpp-httplib/httplib.cpp -o $O/obj/httplib.o"
  echo "g++ \$F -x c++ -c $S/vendor/hash/sha1/sha1.c -o $O/obj/sha1.o"
  for f in xxhash sha256; do
    echo "gcc -O2 -w -I$S/vendor/hash -c $S/vendor/hash/$f/$f.c -o $O/obj/$f.o"
  done
} >"$O/jobs"
echo "compiling $(wc -l <"$O/jobs") files with $JOBS jobs…"
xargs -P "$JOBS" -I{} bash -c {} <"$O/jobs"

LIBLLAMA=$(basename "$(ls "$B"/libllama.v*.so)")
LIBGGML=$(basename "$(ls "$B"/libggml.v*.so)")
g++ "$O"/obj/*.o -o "$T/llama-server" -L"$B" -l:libllama-common.so -l:"$LIBLLAMA" \
  -l:"$LIBGGML" -l:libggml-base.so -lpthread -ldl -Wl,-rpath,'$ORIGIN'
# The CPU backends (libggml-cpu-*) load from the binary's folder.
ln -sf "$B"/*.so "$T"/
"$T/llama-server" --version 2>&1 | tail -2
echo "built $T/llama-server"
