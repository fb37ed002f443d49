/** Test worker for worker-pool.test.ts: doubles `x`; `x < 0` replies with an error; `x === 13` exits the thread without answering. */
import { parentPort } from 'node:worker_threads';

const port = parentPort!;
port.on('message', (job: { seq: number; x: number }) => {
  if (job.x === 13) process.exit(3);
  port.postMessage(job.x < 0 ? { seq: job.seq, ok: false, reason: `negative ${job.x}` } : { seq: job.seq, ok: true, y: 2 * job.x });
});
port.postMessage({ ready: true });
