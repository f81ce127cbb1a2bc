import type { Env } from '../platform/paths.ts';
import type { StoreHooks } from '../store/select.ts';

/** What a CLI command may touch: streams, environment, and whether a person is at a terminal. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Env;
  isTTY: boolean;
  /** Passed to every store the command opens (the entry point learns of abandoned keychain calls). */
  storeHooks?: StoreHooks;
  /**
   * stderr as it is, for the interactive prompt alone (it draws with escape sequences). Every
   * other write goes through `stderr`, which runCli makes safe (terminal.ts).
   */
  terminal?: { write(text: string): unknown };
  /** Writes one workflow command (github.ts) to stdout as it is: the only way a `::` line is printed. */
  workflowCommand?: (line: string) => void;
  /** The runtime this is, for `dcm version --json`: given by the entry point, which owns `process`. */
  runtime?: { node: string; platform: string; arch: string };
}
