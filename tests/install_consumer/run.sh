#!/usr/bin/env bash
# Usage: tests/install_consumer/run.sh BUILD_DIR|PREFIX
# With a build folder, installs it (cmake --install) into a temporary prefix; with an installed
# prefix, uses that. Then builds this folder's project against the prefix with find_package(compnn)
# and runs it (an exact search checked against a brute force), checks that nothing installed
# points back into the build or source tree, and, where the prefix has them, runs the installed
# `compnn --help` and `compnn match` and imports the Python package, from / with a bare
# environment. Leaves the build folder as it was and removes what it made.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(cd "$here/../.." && pwd)"
cmake="${CMAKE_COMMAND:-cmake}"
[[ $# -eq 1 ]] || { echo "usage: $0 BUILD_DIR|PREFIX" >&2; exit 2; }
target="$(cd "$1" && pwd)"

work="$(mktemp -d "${TMPDIR:-/tmp}/compnn-install-consumer.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [[ -f "$target/CMakeCache.txt" ]]; then
  prefix="$work/prefix"
  echo "== cmake --install $target --prefix $prefix"
  "$cmake" --install "$target" --prefix "$prefix" >"$work/install.log"
  leak_patterns=("$target" "$source_dir")
else
  prefix="$target"
  leak_patterns=()
fi

config="$(find "$prefix" -name compnnConfig.cmake -path '*/cmake/compnn/*' | head -n 1)"
[[ -n "$config" ]] || { echo "FAIL: no lib/cmake/compnn/compnnConfig.cmake under $prefix" >&2; exit 1; }

# The installed CMake package and programs must not name the build or source tree.
for pattern in "${leak_patterns[@]}"; do
  if grep -rlF "$pattern" "$(dirname "$config")"; then
    echo "FAIL: the installed CMake package names $pattern" >&2
    exit 1
  fi
  for program in "$prefix"/bin/* "$prefix"/lib/python3*/dist-packages/compnn/*.so; do
    [[ -f "$program" ]] || continue
    if readelf -d "$program" | grep -E 'R(UN)?PATH' | grep -qF "$pattern"; then
      echo "FAIL: $program's run path names $pattern" >&2
      exit 1
    fi
  done
done

echo "== the consumer project: find_package(compnn), compnn::core"
generator_args=()
[[ -n "${CXX:-}" ]] && generator_args+=("-DCMAKE_CXX_COMPILER=$CXX")
"$cmake" -S "$here" -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" "${generator_args[@]}" >"$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
grep -F "compnn " "$work/configure.log" | sed 's/^-- //'
"$cmake" --build "$work/consumer" -j1 >"$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/consumer/consumer"

# From here on, as a user would run them: from /, without the test's environment.
bare=(env -i "HOME=$work" "PATH=/usr/bin:/bin" "TMPDIR=$work")
if [[ -x "$prefix/bin/compnn" ]]; then
  echo "== $prefix/bin/compnn --help, match"
  (cd / && "${bare[@]}" "$prefix/bin/compnn" --help >"$work/help.txt")
  grep -q "match" "$work/help.txt" || { echo "FAIL: compnn --help lists no match" >&2; exit 1; }
  # compnn-full answers through compnn, found beside it.
  (cd / && "${bare[@]}" "$prefix/bin/compnn" data --help >/dev/null)
  /usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
rng = np.random.default_rng(0)
np.save(sys.argv[1] + "/query.npy", rng.random((4, 5, 3), dtype=np.float32))
np.save(sys.argv[1] + "/database.npy", rng.random((2, 6, 4, 3), dtype=np.float32))
PY
  (cd / && "${bare[@]}" "$prefix/bin/compnn" match --method exact --query "$work/query.npy" \
     --database "$work/database.npy" --out "$work/match" >/dev/null)
  /usr/bin/python3 -c "import numpy as np, sys; n = np.load(sys.argv[1]); assert n.shape == (4, 5, 3), n.shape" \
    "$work/match/nnf.npy"
  echo "compnn match: nnf.npy 4 x 5 x 3"
fi

package_dir="$(find "$prefix" -path '*/dist-packages/compnn/__init__.py' | head -n 1)"
if [[ -n "$package_dir" ]]; then
  package_dir="$(dirname "$(dirname "$package_dir")")"
  echo "== import compnn from $package_dir"
  (cd / && "${bare[@]}" "PYTHONPATH=$package_dir" /usr/bin/python3 -c '
import sys, numpy as np, compnn
assert compnn.__file__.startswith(sys.argv[1]), compnn.__file__
q = np.random.default_rng(0).random((3, 4, 2), dtype=np.float32)
r = compnn.match(q, q[None], method="exact")
print("import compnn:", compnn.__file__)
' "$package_dir")
fi
echo "install_consumer: OK"
