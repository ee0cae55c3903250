#!/usr/bin/env bash
# Renders the studio's screenshots in docs/images from the running app, offscreen, at the two
# sizes a first-time user is likely to have: 1920×1080 and a 1366×768 laptop.
# Usage: docs/make-screenshots.sh [path/to/ingress-lab-studio]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
studio="${1:-build/release/app/studio/ingress-lab-studio}"
out=docs/images
export QT_QPA_PLATFORM=offscreen
# A settings folder of its own: no saved layout, theme or "start traffic on open" choice from
# the user's own studio (a first start: the docks sized to the window, traffic on open).
XDG_CONFIG_HOME="$(mktemp -d)"
export XDG_CONFIG_HOME
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT

shot() {  # shot NAME WxH ARGS...: one window of that size on the default scenario
    local name="$1" size="$2"
    shift 2
    "$studio" --size "$size" --screenshot "$out/$name" "$@" scenarios/shop
}

# The default scenario with half the storefront's requests failing: health colours, fault
# badges, the shaded fault window in the plots.
shot studio-main.png 1920x1080 --after 12 --theme light --fault errors=shop/storefront
# The same on a 1366×768 laptop, dark: the graph fitted to a smaller view, the editor's lines.
shot studio-main-1366-dark.png 1366x768 --after 12 --theme dark --fault errors=shop/storefront
# One request from the composer at 1366×768: the three header tables above the fold, its path
# outlined in the topology.
shot studio-composer.png 1366x768 --after 6 --theme light --dock composer \
    --compose "https://api.shop.local/api/items?page=2"
# The request list during a fault, the newest request in the inspector.
shot studio-requests.png 1920x1080 --after 8 --theme light --dock events \
    --fault latency=shop/storefront --inspect-latest
# The scenario's timeline, mid-run (the latency fault lasts from 6 s to 11 s), dark.
shot studio-scenario-dark.png 1920x1080 --after 9 --theme dark --dock timeline --play
