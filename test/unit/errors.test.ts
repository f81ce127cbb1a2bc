import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodesHelp, exitCodesMarkdown } from '../../src/cli/exit-codes.ts';
import * as errors from '../../src/errors.ts';

describe('exit codes are decided in one place', () => {
  it.each([
    [new errors.CredentialsNotFound(), 1, 'credentials not found in native keychain'],
    [new errors.MissingServerUrl(), 2, 'no credentials server URL'],
    [new errors.MissingUsername(), 2, 'no credentials username'],
    [new errors.InvalidInput('x'), 2, 'x'],
    [new errors.InputTooLarge(10), 2, 'input too large: stdin exceeds 10 bytes'],
    [new errors.UsageError('x'), 2, 'x'],
    [new errors.CredentialsRejected('x'), 3, 'x'],
    [new errors.NetworkError('x'), 4, 'x'],
    [new errors.TlsError('x', 'expired'), 5, 'x'],
    [new errors.ThresholdError('x'), 6, 'x'],
    [new errors.RegistryError('x'), 7, 'x'],
    [new errors.UnsafeRequest('x'), 7, 'x'],
    [
      new errors.StoreUnavailable('locked', 'unlock it'),
      8,
      'keychain unavailable: locked. unlock it. Or keep credentials elsewhere: dcm setup --store pass, or dcm setup --store cache',
    ],
    [
      new errors.StoreUnavailable('no key', 'import it', 'pass'),
      8,
      'pass store unavailable: no key. import it. Or keep credentials elsewhere: dcm setup --store os, or dcm setup --store cache',
    ],
    [new errors.MigrationFailed('x'), 8, 'x'],
    [new errors.DockerConfigError('x'), 2, 'x'],
    [new errors.HelperFailed('x'), 1, 'x'],
    [new errors.CorruptEntry('x', 'fix it'), 1, 'x; fix it'],
    [new errors.AmbiguousEntry('x', 'fix it'), 1, 'x; fix it'],
    [new errors.LockTimeout('x'), 9, 'x'],
    [new errors.SilentExit('threshold'), 6, 'exit 6'],
    [new errors.FileWriteFailed('x'), 1, 'x'],
    // Anything that is not a DcmError is a bug: the documented internal-error code.
    [new Error('not ours'), 70, 'not ours'],
  ])('%s → %i', (error, code, message) => {
    expect(errors.exitCodeFor(error)).toBe(code);
    expect(error.message).toBe(message);
  });

  it('an error from another copy of the module (another bundle of the binary) is still dcm’s, and of its own class only', async () => {
    // @ts-expect-error: the query makes vite load a second copy of the module; it has no types of its own.
    const copy = (await import('../../src/errors.ts?copy')) as typeof errors;
    expect(copy.MintFailed).not.toBe(errors.MintFailed);
    const error = new copy.MintFailed('aws: no credentials found', { code: 'credentials' });
    expect(error instanceof errors.DcmError).toBe(true);
    expect(error instanceof errors.MintFailed).toBe(true);
    expect(error instanceof errors.UsageError).toBe(false);
    expect(errors.exitCodeFor(error)).toBe(3);
    expect(new Error('x') instanceof errors.DcmError).toBe(false);
  });

  it('every exported error class has a code from the table', () => {
    type ErrorClass = new (...args: string[]) => errors.DcmError;
    const classes = (Object.values(errors) as unknown[]).filter((v) => typeof v === 'function' && v.prototype instanceof errors.DcmError) as ErrorClass[];
    expect(classes.length).toBeGreaterThan(15);
    for (const Class of classes.filter((c) => c !== errors.SilentExit)) expect(Object.keys(errors.EXIT_CODES)).toContain(new Class('a', 'b').code);
  });

  it.each([
    ['a\nb', 'a b'],
    ['  spaced \r\n\r\n out ', 'spaced out'],
    ['', 'unknown error'],
  ])('oneLine(%j) = %j', (message, expected) => expect(errors.oneLine(new Error(message))).toBe(expected));
});

describe('the exit-code table is the one source', () => {
  it("README's table is the table", () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8').replaceAll('\r\n', '\n');
    const section = readme.slice(readme.indexOf('## Exit codes'));
    const table = section.slice(section.indexOf('| code |'), section.indexOf('\n\n', section.indexOf('| code |')) + 1);
    expect(table).toBe(exitCodesMarkdown());
  });

  it.each([
    ['labels from the table', ['usage', 'credentials'] as const, {}, 'Exit codes: 2 usage, 3 credentials rejected.'],
    ["a command's own wording for a code", ['ok', 'threshold'] as const, { ok: 'checked' }, 'Exit codes: 0 checked, 6 rate limited or under --fail-under.'],
    ['the internal-error code', ['internal'] as const, {}, 'Exit codes: 70 internal error.'],
  ])('help: %s', (_name, names, labels, expected) => expect(exitCodesHelp(names, labels)).toBe(expected));
});
