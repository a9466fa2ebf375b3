#!/usr/bin/env bash
# Checks the systemd units in docs/operations.md as they are written there:
# each ```ini block that starts with "# /etc/systemd/system/NAME" is written
# to NAME and given to `systemd-analyze verify`, with ExecStart pointing at a
# freshly built dangke. systemd takes "value   # comment" as part of the
# value without a word, so a comment after a value is refused here.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

if ! command -v systemd-analyze >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "systemd-analyze missing: installing the systemd package"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null) ||
      echo "could not install systemd"
  fi
fi
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIPPED: systemd-analyze is not available here; the unit files in docs/operations.md were not verified"
  exit 0
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
awk -v dir="$dir" '
  /^```ini/ { f = 1; out = ""; next }
  /^```/    { if (out != "") close(out); f = 0; next }
  f && out == "" && /^# \/etc\/systemd\/system\// { out = dir "/" substr($2, length("/etc/systemd/system/") + 1); next }
  f && out != "" { print > out }
' docs/operations.md
units=("$dir"/*.service "$dir"/*.timer)
[ -e "${units[0]}" ] || { echo "no unit found in docs/operations.md"; exit 1; }

bad=0
for u in "${units[@]}"; do
  if grep -nE '^[^#;].*[[:space:]][#;]' "$u"; then
    echo "$(basename "$u"): a comment after a value is read as part of the value; put it on its own line"
    bad=1
  fi
done
[ $bad = 0 ] || exit 1

CGO_ENABLED=0 go build -o "$dir/bin/dangke" ./cmd/dangke
sed -i "s#/usr/local/bin/dangke#$dir/bin/dangke#g" "${units[@]}"
out=$(cd "$dir" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "${units[@]##*/}" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "verified: ${units[*]##*/}"
