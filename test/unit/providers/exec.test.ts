import { describe, expect, it } from 'vitest';
import { parseExecOutput } from '../../../src/providers/exec.ts';

describe('parseExecOutput: the credential_process shape', () => {
  it('a login with its expiry', () => {
    expect(parseExecOutput('{"Username":"ci","Secret":"s3cr3t","ExpiresAt":"2026-12-04T13:00:00Z"}\n', 'op')).toEqual({
      username: 'ci',
      secret: 's3cr3t',
      expiresAt: Date.parse('2026-12-04T13:00:00Z'),
      identity: 'exec op',
    });
  });

  it('no ExpiresAt: unknown (dcm assumes an hour when it caches it); no Username: the binding’s', () => {
    const token = parseExecOutput('{"Secret":"s"}', 'op', 'bound-user');
    expect(token.username).toBe('bound-user');
    expect(Number.isNaN(token.expiresAt)).toBe(true);
  });

  it.each([
    ['garbage', /did not print JSON/],
    ['{"Username":"u"}', /printed no "Secret"/],
    ['{"Secret":"s"}', /printed no "Username", and the binding has none/],
    ['{"Username":"u","Secret":"s","ExpiresAt":"tomorrow"}', /not an RFC 3339 time/],
    ['[1,2]', /printed no "Secret"/],
  ])('%s is one clear line, and no secret in it', (output, message) => {
    expect(() => parseExecOutput(output, 'op')).toThrow(message);
  });
});
