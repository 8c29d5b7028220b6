#!/usr/bin/env bash
# Install Debian packages (e.g. pocl-opencl-icd, oclgrind) when running as root with apt.
# Never fails the build: without them cltorch falls back to pip's PoCL.
set -u
[ "$#" -gt 0 ] || exit 0
missing=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "note: not installing ${missing[*]} (needs root and apt-get); using what is there" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
  apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${missing[@]}" >/dev/null 2>&1
} || echo "note: apt-get could not install ${missing[*]}" >&2
exit 0
