/**
 * GitHub Actions' workflow commands and file commands, escaped exactly as the runner's toolkit
 * escapes them (@actions/core `command.ts` and `file-command.ts`), so that no value from outside
 * (a username, a registry's header) can end a command early or start another. Pure.
 */
import { randomUUID } from 'node:crypto';
import { escapeControls } from './terminal.ts';

/** `%`, CR and LF in a command's message. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Also `:` and `,` in a property's value. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::name key=value,...::message`, one line; control characters shown escaped (terminal.ts), as in every other line. */
export function workflowCommand(name: string, properties: Record<string, string>, message: string): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(escapeControls(value))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(escapeControls(message))}\n`;
}

/**
 * Step outputs for $GITHUB_OUTPUT in the heredoc form with a random delimiter, as the toolkit
 * writes every output: a value may hold any text, newlines included, and still cannot add an
 * output of its own. `delimiter` is for tests.
 */
export function outputFileLines(outputs: Record<string, string>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return Object.entries(outputs)
    .map(([name, value]) => {
      if (name.includes(delimiter) || value.includes(delimiter)) throw new Error('an output holds its own delimiter');
      return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}
