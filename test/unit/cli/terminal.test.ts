import { describe, expect, it } from 'vitest';
import { escapeControls, inline, safeWriter } from '../../../src/cli/terminal.ts';

describe('escapeControls', () => {
  it.each([
    ['plain text', 'ghcr.io  user', 'ghcr.io  user'],
    ['newline and tab stay', 'a\n\tb', 'a\n\tb'],
    ['ESC (a cursor move)', 'x\u001b[2Jy', 'x\\u001b[2Jy'],
    ['OSC 52 (the clipboard)', '\u001b]52;c;cHduZWQ=\u0007', '\\u001b]52;c;cHduZWQ=\\u0007'],
    ['carriage return (rewrites the line)', 'ok\rFAKE', 'ok\\u000dFAKE'],
    ['C1 CSI', 'a\u009b2Jb', 'a\\u009b2Jb'],
    ['DEL', 'a\u007fb', 'a\\u007fb'],
    ['bidi override (Trojan Source)', 'user\u202eexe.txt', 'user\\u202eexe.txt'],
    ['bidi isolate', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
    ['letters beyond ASCII stay', 'café ünïcode 日本', 'café ünïcode 日本'],
  ])('%s', (_name, text, expected) => expect(escapeControls(text)).toBe(expected));

  it('the escapes are JSON escapes: --json output keeps its values', () => {
    const value = { username: 'u\u009b\u202e\u001b' };
    expect(JSON.parse(escapeControls(JSON.stringify(value)))).toEqual(value);
  });

  it('inline keeps a value on its line', () => expect(inline('a\nb\tc\u001b')).toBe('a\\u000ab\\u0009c\\u001b'));
});

describe('safeWriter', () => {
  const collect = (writes: string[]) => {
    let out = '';
    const writer = safeWriter({ write: (text: string) => (out += text) });
    for (const text of writes) writer.write(text);
    return out;
  };
  it.each([
    ['a line that starts a workflow command', ['::add-mask::x\n'], '\\u003a:add-mask::x\n'],
    ['one inside a message, after a newline', ['user: a\n::set-output name=x::1\n'], 'user: a\n\\u003a:set-output name=x::1\n'],
    ['one split across writes at a line start', ['first\n', '::error::forged\n'], 'first\n\\u003a:error::forged\n'],
    ['a colon pair in the middle of a line stays', ['host ', '::1 is IPv6\n'], 'host ::1 is IPv6\n'],
    ['IPv6 in a sentence stays', ['address [::1]:5000\n'], 'address [::1]:5000\n'],
  ])('%s', (_name, writes, expected) => expect(collect(writes)).toBe(expected));
});
