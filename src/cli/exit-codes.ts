/**
 * Exit codes as help texts and the README show them, rendered from the one table in errors.ts.
 */
import { EXIT_CODE_TABLE, type ExitCodeName } from '../errors.ts';

/** `Exit codes: 0 stored, 2 usage, ...` for a command, wrapped for an 80-column terminal. */
export function exitCodesHelp(names: readonly ExitCodeName[], labels: Partial<Record<ExitCodeName, string>> = {}): string {
  const parts = names.map((name) => `${EXIT_CODE_TABLE[name].code} ${labels[name] ?? EXIT_CODE_TABLE[name].label}`);
  const lines: string[] = [];
  let line = 'Exit codes:';
  for (const [i, part] of parts.entries()) {
    const piece = ` ${part}${i === parts.length - 1 ? '.' : ','}`;
    if (line.length + piece.length > 96) {
      lines.push(line);
      line = ' ';
    }
    line += piece;
  }
  lines.push(line);
  return lines.join('\n');
}

/** The README's exit-code table (Markdown), one row per distinct code. */
export function exitCodesMarkdown(): string {
  const rows = new Map<number, string[]>();
  for (const { code, meaning } of Object.values(EXIT_CODE_TABLE)) rows.set(code, [...(rows.get(code) ?? []), meaning]);
  return `${['| code | meaning |', '|---|---|', ...[...rows].map(([code, meanings]) => `| ${code} | ${meanings.join('; ')} |`)].join('\n')}\n`;
}

export const ALL_EXIT_CODES = Object.keys(EXIT_CODE_TABLE).filter((name) => name !== 'notFound') as ExitCodeName[];
