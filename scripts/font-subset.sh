#!/usr/bin/env bash
# Rebuilds chart/font/cjk-subset.otf, the CJK font the charts embed.
#
# Source: Noto Sans CJK SC Regular ("NotoSansHans-Regular.otf", SIL Open Font
# License 1.1, chart/font/LICENSE) as shipped by the npm package
# @embedpdf/fonts-sc 1.0.0:  npm pack @embedpdf/fonts-sc && tar xzf embedpdf-fonts-sc-1.0.0.tgz
# Tool: pyftsubset from fonttools (Debian: apt-get install fonttools).
# Kept: ASCII, every character of GB2312 (6,763 hanzi and its symbols), a few
# marks the charts draw, and chart/font/extra.txt (name characters outside
# GB2312). A character outside the subset falls back as chart.Fonts says.
#
# Usage: scripts/font-subset.sh path/to/NotoSansHans-Regular.otf
set -euo pipefail
cd "$(dirname "$0")/.."
src=${1:?usage: $0 NotoSansHans-Regular.otf}
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
python3 - "$chars" <<'PY'
import sys
s = set(chr(c) for c in range(0x20, 0x7f))
for a in range(0xA1, 0xF8):
    for b in range(0xA1, 0xFF):
        try:
            s.add(bytes([a, b]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
s.update("〇〓·—‘’“”…、。《》「」『』【】（）：；，！？％＋－＝～／０１２３４５６７８９✓×÷≥≤→←↑↓▲▼●○■□◆◇★☆※")
s.update(open('chart/font/extra.txt', encoding='utf-8').read().strip())
open(sys.argv[1], 'w', encoding='utf-8').write(''.join(sorted(s)))
PY
pyftsubset "$src" --text-file="$chars" --output-file=chart/font/cjk-subset.otf \
  --no-hinting --layout-features='' --name-IDs='*' --notdef-outline
# A subset is a modified version: the OFL's Reserved Font Name "Noto Sans"
# must not name it, so the family is renamed (with fonttools' own Python).
py=python3
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import fontTools' 2>/dev/null; then py=$p; break; fi
done
"$py" - <<'PY'
from fontTools.ttLib import TTFont
f = TTFont('chart/font/cjk-subset.otf')
for rec in f['name'].names:
    if rec.nameID in (1, 3, 4, 6, 16, 17):
        rec.string = {1: 'Dangke CJK Subset', 3: 'DangkeCJKSubset-Regular', 4: 'Dangke CJK Subset Regular',
                      6: 'DangkeCJKSubset-Regular', 16: 'Dangke CJK Subset', 17: 'Regular'}[rec.nameID]
f.save('chart/font/cjk-subset.otf')
PY
ls -l chart/font/cjk-subset.otf
