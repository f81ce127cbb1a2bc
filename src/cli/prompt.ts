/**
 * Interactive questions, through @inquirer/prompts, loaded only when a person is at a terminal.
 * Prompts write to stderr so that stdout carries only results.
 */
import { SilentExit } from '../errors.ts';
import type { CommandContext } from './context.ts';

export interface Prompter {
  input(message: string, defaultValue?: string): Promise<string>;
  password(message: string): Promise<string>;
  /** Yes or no, no by default. */
  confirm(message: string): Promise<boolean>;
}

export function terminalPrompter(ctx: CommandContext): Prompter {
  const context = { input: ctx.stdin, output: (ctx.terminal ?? ctx.stderr) as NodeJS.WritableStream, clearPromptOnDone: false };
  return {
    async input(message, defaultValue) {
      const { input } = await import('@inquirer/prompts');
      return interruptible(ctx, () => input({ message, ...(defaultValue ? { default: defaultValue } : {}), required: true }, context));
    },
    async password(message) {
      const { password } = await import('@inquirer/prompts');
      return interruptible(ctx, () => password({ message, mask: '*' }, context));
    },
    async confirm(message) {
      const { confirm } = await import('@inquirer/prompts');
      return interruptible(ctx, () => confirm({ message, default: false }, context));
    },
  };
}

/**
 * Ctrl-C at a question ends the command as a shell expects (exit 130, the SIGINT convention
 * docker and gh follow), quietly and before anything was stored: inquirer's ExitPromptError is
 * not a failure to report, and surely not an internal error.
 */
async function interruptible<T>(ctx: CommandContext, ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if ((error as Error | undefined)?.name !== 'ExitPromptError') throw error;
    (ctx.terminal ?? ctx.stderr).write('\n');
    throw new SilentExit('interrupted');
  }
}
