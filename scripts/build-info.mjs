#!/usr/bin/env node
// Writes dist/build-info.json after tsc: the version and the moment of the build. The
// daemon refuses to record while the box's clock is before the build (src/system/clock-guard.ts),
// so a box that boots in 1970 records nothing with false times.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
// SOURCE_DATE_EPOCH (seconds) makes the build reproducible when a packager sets it.
const epoch = process.env.SOURCE_DATE_EPOCH;
const builtAtMs = epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
const info = { version, builtAtMs, builtAt: new Date(builtAtMs).toISOString() };
writeFileSync(new URL('dist/build-info.json', root), `${JSON.stringify(info, null, 2)}\n`);
