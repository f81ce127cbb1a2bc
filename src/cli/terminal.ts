/**
 * What dcm prints, made safe for the terminal and for the CI logs that read it. Text from
 * outside (daemon.json, config.json, another helper's reply, a stored username, a registry's
 * header) reaches many messages; a C0 or C1 control character in it could move the cursor,
 * rewrite earlier lines or set the clipboard (OSC 52), and a bidi control could make a line read
 * as something else. Every character of those kinds is shown escaped, `\u001b`, which is also a
 * valid JSON escape, so `--json` output stays the same value. Newlines and tabs stay.
 *
 * A CI runner (GitHub Actions) reads `::command::` at the start of any line of a step's output
 * as a workflow command: a line written by dcm that starts with `::` has its first colon escaped,
 * unless dcm itself emits the command ({@link CommandContext.workflowCommand}).
 */

/** C0 but tab and newline, DEL, C1, the bidi controls and marks, line and paragraph separators. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** Every unsafe character as `\uXXXX`. Pure. */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Also newlines and tabs escaped: one value that must stay on its line (a username in a sentence). Pure. */
export function inline(text: string): string {
  return escapeControls(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\u000a' : '\\u0009'));
}

/** A stream that writes only {@link escapeControls}-safe text, with no line that starts a workflow command. */
export function safeWriter(stream: { write(text: string): unknown }): { write(text: string): unknown } {
  let atLineStart = true;
  return {
    write(text: string) {
      let safe = escapeControls(text).replace(/(^|\n)::/g, (_match, start: string, offset: number) =>
        offset === 0 && start === '' && !atLineStart ? '::' : `${start}\\u003a:`,
      );
      if (safe.length > 0) atLineStart = safe.endsWith('\n');
      else safe = '';
      return stream.write(safe);
    },
  };
}
