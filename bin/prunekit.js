#!/usr/bin/env node
// The prunekit command. Runs the compiled CLI (dist/, built by `npm run build`, which `npm ci` runs via `prepare`).
import { runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
