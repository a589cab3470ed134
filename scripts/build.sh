#!/usr/bin/env bash
# Builds the apps for production (Next.js, and esbuild bundles for the gateway, engine and worker).
# Skips the build when nothing under apps/ or packages/ changed since the last one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
stamp=$( (git rev-parse HEAD 2>/dev/null; git status --porcelain -- apps packages prisma 2>/dev/null; git diff -- apps packages 2>/dev/null) | sha256sum | cut -c1-16)
if [ -f "$ROOT/.aitk/build-stamp" ] && [ "$(cat "$ROOT/.aitk/build-stamp")" = "$stamp" ] &&
  [ -f apps/web/.next/BUILD_ID ] && [ -f apps/gateway/dist/main.js ] && [ -f apps/worker/dist/main.js ]; then
  say "build is up to date"
  exit 0
fi
say "building gateway, engine and worker"
npm run -s build -w @aitk/gateway -w @aitk/worker -w @aitk/stripe-emulator -w @aitk/k8s-emulator || die "bundling failed"
say "building the dashboard (next build)"
npm run -s build -w @aitk/web >"$AITK_DIR/logs/next-build.log" 2>&1 || { tail -50 "$AITK_DIR/logs/next-build.log"; die "next build failed"; }
echo "$stamp" >"$ROOT/.aitk/build-stamp"
