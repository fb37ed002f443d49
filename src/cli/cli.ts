/** Process entry of the prunekit command (bin/prunekit.js runs the compiled copy; `npm run prunekit` this file). */
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2));
