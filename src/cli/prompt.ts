/**
 * Interactive questions, through @inquirer/prompts, loaded only when a person is at a terminal.
 * Prompts write to stderr so that stdout carries only results.
 */
import type { CliIo } from './io.ts';

export interface Prompter {
  input(message: string, defaultValue?: string): Promise<string>;
  password(message: string): Promise<string>;
  /** Yes or no, no by default. */
  confirm(message: string): Promise<boolean>;
}

export function terminalPrompter(io: CliIo): Prompter {
  const context = { input: io.stdin, output: (io.terminal ?? io.stderr) as NodeJS.WritableStream, clearPromptOnDone: false };
  return {
    async input(message, defaultValue) {
      const { input } = await import('@inquirer/prompts');
      return input({ message, ...(defaultValue ? { default: defaultValue } : {}), required: true }, context);
    },
    async password(message) {
      const { password } = await import('@inquirer/prompts');
      return password({ message, mask: '*' }, context);
    },
    async confirm(message) {
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message, default: false }, context);
    },
  };
}
