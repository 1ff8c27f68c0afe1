#!/bin/sh
# Install a Debian package that tests need, once: install_apt.sh COMMAND PACKAGE WHAT
# (e.g. `install_apt.sh nginx nginx "the reverse-proxy test"`; COMMAND "-" for a library: dpkg is asked). Without root or password-less
# sudo it only warns: those tests skip locally (and fail under CI=true).
command_name=$1 package=$2 what=$3
if [ "$command_name" = "-" ]; then  # a library: ask dpkg whether the package is there
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" && exit 0
elif command -v "$command_name" >/dev/null 2>&1 || [ -x "/usr/sbin/$command_name" ]; then exit 0; fi
if [ "$(id -u)" = "0" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
else
  echo "$package is not installed and this user cannot install it: $what will be skipped" >&2
fi
exit 0
