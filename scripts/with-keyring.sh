#!/bin/sh
# Runs a command inside a private D-Bus session with a throwaway, unlocked gnome-keyring (the real Secret Service),
# with its own temporary HOME so no real keyring is touched. Usage: sh scripts/with-keyring.sh <command> [args…], e.g. npx vitest run tests/…
set -eu
home=$(mktemp -d "${TMPDIR:-/tmp}/sa-keyring-XXXXXX")
trap 'rm -rf "$home"' EXIT
export npm_config_cache="${npm_config_cache:-${HOME:-/root}/.npm}"
HOME="$home" XDG_RUNTIME_DIR="$home" XDG_DATA_HOME="$home/data" dbus-run-session -- sh -c 'echo -n throwaway-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' sh "$@"
