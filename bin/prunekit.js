#!/usr/bin/env node
// The prunekit command: runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs via `prepare`).
import '../dist/cli/cli.js';
