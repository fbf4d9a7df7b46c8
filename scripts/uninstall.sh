#!/usr/bin/env bash
# Removes the NVR service and its app. Recordings, the index and the configuration stay
# (they may be evidence) unless --purge is given; a purge from a terminal asks first.
#
#   sudo scripts/uninstall.sh            # keeps /etc/nvr and /var/lib/nvr
#   sudo scripts/uninstall.sh --purge    # also deletes recordings, index, config, user
#
# Same switches as install.sh: NVR_INSTALL_ROOT, NVR_NO_SYSTEMCTL.
set -euo pipefail

ROOT=${NVR_INSTALL_ROOT:-}
APP=$ROOT/opt/nvr
ETC=$ROOT/etc/nvr
DATA=$ROOT/var/lib/nvr
UNIT=$ROOT/etc/systemd/system/nvr.service
NVR_USER=nvr

say() { printf 'uninstall: %s\n' "$*"; }
die() { printf 'uninstall: ERROR: %s\n' "$*" >&2; exit 1; }

purge=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (use --purge to delete recordings too)" ;;
  esac
done
[ -n "$ROOT" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

if [ "$purge" = 1 ] && [ -t 0 ]; then
  printf 'This deletes every recording and the index in %s (evidence included). Type PURGE to go on: ' "$DATA"
  read -r answer
  [ "$answer" = PURGE ] || die "not purged"
fi

if [ "${NVR_NO_SYSTEMCTL:-}" != 1 ] && [ -f "$UNIT" ]; then
  # A stop closes every segment and indexes it first (TimeoutStopSec in the unit).
  systemctl disable --now nvr.service >/dev/null 2>&1 || say "warning: could not stop/disable nvr.service"
fi
rm -f "$UNIT"
[ "${NVR_NO_SYSTEMCTL:-}" = 1 ] || systemctl daemon-reload
rm -rf "${APP:?}"
say "removed the service and $APP"

if [ "$purge" = 1 ]; then
  rm -rf "${ETC:?}" "${DATA:?}"
  if grep -q "^$NVR_USER:" "$ROOT/etc/passwd" 2>/dev/null; then
    prefix=()
    [ -z "$ROOT" ] || prefix=(--prefix "$ROOT")
    userdel "${prefix[@]}" "$NVR_USER"
  fi
  say "purged $ETC, $DATA and the user $NVR_USER"
else
  say "kept $ETC (configuration) and $DATA (recordings, index); remove them with --purge"
fi
