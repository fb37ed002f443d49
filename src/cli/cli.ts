/** Process entry of the prunekit command (bin/prunekit.js runs the compiled copy; `npm run prunekit` this file). */
import { runCli } from './main.js';

// `prunekit inspect … | head` closes our stdout early: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(process.argv.slice(2));
