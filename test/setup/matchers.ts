import { expect } from 'vitest';

// `expect(result).toExit(0)`: when a process ends otherwise, the failure names the process, how it
// ended and the tail of what it wrote, so a red line in CI says why without a rerun.
interface Ended {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout?: string;
  stderr?: string;
  command?: string;
  timedOut?: boolean;
}

const TAIL_LINES = 12;

function tail(text: string | undefined): string {
  if (!text) return '(empty)';
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(-TAIL_LINES).join('\n  ');
  return lines.length > TAIL_LINES ? `… ${lines.length - TAIL_LINES} lines before\n  ${shown}` : shown;
}

export function describeEnd(result: Ended): string {
  const how = result.timedOut ? 'was killed at its deadline' : result.signal ? `was killed by ${result.signal}` : `exited ${result.code}`;
  return `${result.command ?? 'the process'} ${how}\n stderr:\n  ${tail(result.stderr)}\n stdout:\n  ${tail(result.stdout)}`;
}

expect.extend({
  toExit(received: Ended, expected: number | null) {
    const pass = received.code === expected && !received.timedOut;
    return {
      pass,
      message: () => (pass ? `expected ${received.command ?? 'the process'} not to exit ${expected}` : `expected exit ${expected}: ${describeEnd(received)}`),
      actual: received.code,
      expected,
    };
  },
});

declare module 'vitest' {
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> {
    /** The process ended with this exit code; otherwise the message shows its stderr and stdout. */
    toExit(code: number | null): R;
  }
}
