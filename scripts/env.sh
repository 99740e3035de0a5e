# Sourced by the scripts: where builds go, and a runtime folder for the graphics stack.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/benchtop-target}"
if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -w "${XDG_RUNTIME_DIR}" ]; then
  export XDG_RUNTIME_DIR="${TMPDIR:-/tmp}/benchtop-runtime-$(id -u)"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi
