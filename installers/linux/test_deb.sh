#!/usr/bin/env bash
# Installs dist/crmdesk_*.deb into this machine's system, uses the installed copy the way an
# office would (a demo base, an invoice PDF, the window started offscreen with every form
# rendered), removes the package and checks that none of its files stayed behind while the
# user's data did. Needs root (apt-get); run by .ci/run when CRMDESK_CI_INSTALLERS=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
deb=$(ls -t dist/crmdesk_*.deb | head -n 1)
echo "test-deb: $deb"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
files=$(dpkg -L crmdesk | while read -r f; do [ -f "$f" ] && echo "$f"; done)
test -x /usr/bin/crmdesk && test -x /usr/bin/crmdesk-cli
test -f /usr/share/applications/crmdesk.desktop
test -f /usr/share/icons/hicolor/256x256/apps/crmdesk.png

export CRMDESK_HOME="$work/home" QT_QPA_PLATFORM=offscreen
db="$work/office.sqlite"
(cd "$work" && env -u PYTHONPATH crmdesk-cli --db "$db" demo --clients 30 >/dev/null)
number=$(crmdesk-cli --db "$db" --json list invoices --limit 1 \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["number"])')
crmdesk-cli --db "$db" print invoice "$number" -o "$work/invoice.pdf"
pdftotext "$work/invoice.pdf" - | grep -q "Счёт на оплату" || {
  echo "test-deb: the invoice PDF has no «Счёт на оплату»"; exit 1; }
start=$(date +%s.%N)
timeout 180 crmdesk-cli --db "$db" screenshots "$work/shots" >/dev/null
end=$(date +%s.%N)
shots=$(ls "$work/shots"/*.png | wc -l)
[ "$shots" -ge 20 ] || { echo "test-deb: only $shots screenshots"; exit 1; }
echo "test-deb: installed copy made a demo base, $number as PDF, $shots window pictures" \
  "in $(python3 -c "print(round($end-$start,1))") s"

DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq crmdesk >/dev/null
left=0
for f in $files; do
  if [ -e "$f" ]; then echo "test-deb: left behind: $f"; left=1; fi
done
[ -d /opt/crmdesk ] && { echo "test-deb: /opt/crmdesk still exists"; left=1; }
[ -f "$db" ] || { echo "test-deb: the user's database was removed"; left=1; }
[ "$left" = 0 ] && echo "test-deb: removed cleanly; the user's data stayed"
exit "$left"
