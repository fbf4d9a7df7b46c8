#!/usr/bin/env node
// Entry point for `npx nvr …`: runs the compiled CLI (built by `npm ci` through the
// package's prepare script, or by `npm run build`). Errors are masked: they may quote a
// camera URL with its credentials.
import { main } from '../dist/cli/main.js';
import { redactText } from '../dist/core/redact.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`nvr: ${redactText(err instanceof Error ? err.message : String(err))}`); process.exitCode = 1; },
);
