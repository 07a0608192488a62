#!/bin/sh
# Installs the unpacked crmdesk archive: as root into /opt/crmdesk with /usr/local/bin
# links; as a user into ~/.local. The database stays in ~/.local/share/crmdesk.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  prefix=/opt/crmdesk; bin=/usr/local/bin; share=/usr/local/share
else
  prefix="$HOME/.local/lib/crmdesk"; bin="$HOME/.local/bin"; share="$HOME/.local/share"
fi
rm -rf "$prefix"
mkdir -p "$prefix" "$bin" "$share/applications" "$share/icons/hicolor/256x256/apps"
cp -a "$here/app/." "$prefix/"
ln -sf "$prefix/crmdesk" "$bin/crmdesk"
ln -sf "$prefix/crmdesk-cli" "$bin/crmdesk-cli"
cp "$here/crmdesk.desktop" "$share/applications/crmdesk.desktop"
cp "$here/crmdesk.png" "$share/icons/hicolor/256x256/apps/crmdesk.png"
echo "crmdesk installed in $prefix; start it from the menu or with: crmdesk"
