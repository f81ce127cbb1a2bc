import { describe, expect, it } from 'vitest';
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
    [new errors.KeychainUnavailable('locked', 'unlock it'), 8, 'keychain unavailable: locked. unlock it'],
    [new errors.MigrationFailed('x'), 8, 'x'],
    [new errors.DockerConfigError('x'), 2, 'x'],
    [new errors.HelperFailed('x'), 1, 'x'],
    [new errors.CorruptEntry('x', 'fix it'), 1, 'x; fix it'],
    [new errors.AmbiguousEntry('x', 'fix it'), 1, 'x; fix it'],
    [new errors.LockTimeout('x'), 1, 'x'],
    [new errors.FileWriteFailed('x'), 1, 'x'],
    [new Error('not ours'), 1, 'not ours'],
  ])('%s → %i', (error, code, message) => {
    expect(errors.exitCodeFor(error)).toBe(code);
    expect(error.message).toBe(message);
  });

  it('every exported error class has a code from the table', () => {
    type ErrorClass = new (...args: string[]) => errors.DcmError;
    const classes = (Object.values(errors) as unknown[]).filter((v) => typeof v === 'function' && v.prototype instanceof errors.DcmError) as ErrorClass[];
    expect(classes.length).toBeGreaterThan(15);
    for (const Class of classes) expect(Object.keys(errors.EXIT_CODES)).toContain(new Class('a', 'b').code);
  });

  it.each([
    ['a\nb', 'a b'],
    ['  spaced \r\n\r\n out ', 'spaced out'],
    ['', 'unknown error'],
  ])('oneLine(%j) = %j', (message, expected) => expect(errors.oneLine(new Error(message))).toBe(expected));
});
