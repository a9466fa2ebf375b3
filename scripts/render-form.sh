#!/usr/bin/env bash
# Renders an exported 附件1 to PDF and PNG with LibreOffice, to check by eye
# that it prints like the paper form. Needs Debian's libreoffice-calc-nogui,
# fonts-noto-cjk and poppler-utils. Writes into a temporary folder and prints
# its path; nothing is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
go build -o "$out/dangke" ./cmd/dangke
"$out/dangke" console --db "$out/demo.db" >/dev/null <<'CHAT'
/单位 新增 温县/城关镇/第一党支部 40
:in 一支部群
/单位 绑定 温县/城关镇/第一党支部
/党课 张三 支部书记 《我和我的祖国》 2019-07-01 40人 满意=38/40
/党课 李四 党员 《初心不改，砥砺前行——新时代基层党员的责任与担当》 2019-07-08 30人
/党课 王五 组织委员 《奋斗的青春最美丽》 2019-08-02 12人
CHAT
"$out/dangke" export form1 --unit 温县 --db "$out/demo.db" --out "$out/附件1.xlsx"
(cd "$out" && soffice --headless --convert-to pdf 附件1.xlsx >/dev/null 2>&1 && pdftoppm -png -r 60 附件1.pdf 附件1)
ls "$out"/附件1*
