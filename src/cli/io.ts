/** Where a CLI run writes. Tests pass buffers; the binary passes the process streams. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is an interactive terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
}

export const processIO: CliIO = {
  out: (t) => void process.stdout.write(t.endsWith('\n') ? t : t + '\n'),
  err: (t) => void process.stderr.write(t.endsWith('\n') ? t : t + '\n'),
  interactive: Boolean(process.stderr.isTTY),
};

/** A CliIO that records everything, for tests. */
export function bufferIO(): CliIO & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout, stderr, interactive: false,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    text: () => [...stdout, ...stderr].join('\n'),
  };
}

/**
 * Thrown by a command to end with a specific exit code after it printed its own result
 * (e.g. `compare` exits 1 when the accuracy budget is broken).
 */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
