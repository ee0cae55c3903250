#!/usr/bin/env bash
# Renders the studio's screenshots in docs/images from the running app, offscreen.
# Usage: docs/make-screenshots.sh [path/to/ingress-lab-studio]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
studio="${1:-build/release/app/studio/ingress-lab-studio}"
out=docs/images
export QT_QPA_PLATFORM=offscreen
# A settings folder of its own: no saved layout or theme from the user's own studio.
XDG_CONFIG_HOME="$(mktemp -d)"
export XDG_CONFIG_HOME
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT

shot() {  # shot NAME ARGS...: one window, 1600x1000
    local name="$1"
    shift
    "$studio" --size 1600x1000 --screenshot "$out/$name" "$@" scenarios/shop
}

# The default scenario with half the storefront's requests failing: health colours, fault
# badges, the shaded fault window in the plots.
shot studio-main.png --after 12 --theme light --fault errors=shop/storefront
# One request from the composer: its trace and its path outlined in the topology.
shot studio-composer.png --after 6 --theme light --dock composer \
    --compose "https://api.shop.local/api/items?page=2"
# The request list during a fault, the newest request in the inspector.
shot studio-requests.png --after 8 --theme light --dock events --fault latency=shop/storefront \
    --inspect-latest
# The scenario's timeline, mid-run (the latency fault lasts from 6 s to 11 s), dark.
shot studio-scenario-dark.png --after 9 --theme dark --dock timeline --play
