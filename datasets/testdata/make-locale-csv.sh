#!/usr/bin/env bash
# Makes study-semicolon/ and study-tab/: the sample study's apps.csv and servers.csv opened
# and saved as CSV by LibreOffice Calc (Debian's libreoffice-calc-nogui) with the German
# locale (1031), field separator ';' as German spreadsheets write it, and tab.
#   apt-get install libreoffice-calc-nogui
#   bash datasets/testdata/make-locale-csv.sh   # from the repository root
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sample="$here/../sample"
for sep in 59:study-semicolon 9:study-tab; do
  soffice --headless --infilter="CSV:44,34,76,1" \
    --convert-to "csv:Text - txt - csv (StarCalc):${sep%%:*},34,76,1,,1031" \
    --outdir "$here/${sep#*:}" "$sample/apps.csv" "$sample/servers.csv"
done
