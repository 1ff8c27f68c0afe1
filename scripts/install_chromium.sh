#!/bin/sh
# Debian's chromium drives the browser tests (Playwright's own browser download does not work here).
exec sh "$(dirname "$0")/install_apt.sh" chromium chromium "browser tests"
