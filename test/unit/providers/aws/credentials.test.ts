import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  parseIni,
  parseMetadataCredentials,
  parseProcessCredentials,
  parseStsCredentials,
  profileSettings,
} from '../../../../src/providers/aws/credentials.ts';
import { splitCommand } from '../../../../src/platform/process.ts';

describe('the shared files', () => {
  it('parseIni: sections, comments, nested blocks', () => {
    expect(parseIni('[default]\naws_access_key_id = A\n# c\n; c\n[profile ci]\nrole_arn=arn:aws:iam::1:role/r\ns3 =\n  max_concurrent_requests = 2\n')).toEqual(
      {
        default: { aws_access_key_id: 'A' },
        'profile ci': { role_arn: 'arn:aws:iam::1:role/r', s3: '\nmax_concurrent_requests = 2' },
      },
    );
  });

  it('a profile: `[profile NAME]` in config, `[NAME]` in credentials, which wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcm-aws-'));
    writeFileSync(join(dir, 'config'), '[profile ci]\nregion = eu-west-1\naws_access_key_id = FROM_CONFIG\n[default]\nregion = us-east-1\n');
    writeFileSync(join(dir, 'credentials'), '[ci]\naws_access_key_id = FROM_CREDENTIALS\naws_secret_access_key = S\n');
    const env = { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') };
    expect(profileSettings('ci', env)).toEqual({ region: 'eu-west-1', aws_access_key_id: 'FROM_CREDENTIALS', aws_secret_access_key: 'S' });
    expect(profileSettings('default', env)).toEqual({ region: 'us-east-1' });
    expect(profileSettings('nope', env)).toBeUndefined();
  });
});

describe('what credential sources answer', () => {
  it('credential_process: Version 1 and its Expiration', () => {
    expect(
      parseProcessCredentials('{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","SessionToken":"T","Expiration":"2026-12-04T12:00:00Z"}', 'p'),
    ).toEqual({
      accessKeyId: 'A',
      secretAccessKey: 'S',
      sessionToken: 'T',
      expiresAt: Date.parse('2026-12-04T12:00:00Z'),
      source: 'p',
    });
    expect(() => parseProcessCredentials('{"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"}', 'p')).toThrow(/Version": 1/);
    expect(() => parseProcessCredentials('nope', 'p')).toThrow(/did not print JSON/);
  });

  it('STS: the credentials, or its error code and message', () => {
    const ok =
      '<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>2026-12-04T12:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>';
    expect(parseStsCredentials(200, ok, 'STS')).toEqual({
      accessKeyId: 'ASIA',
      secretAccessKey: 'S',
      sessionToken: 'T',
      expiresAt: Date.parse('2026-12-04T12:00:00Z'),
    });
    expect(() =>
      parseStsCredentials(
        403,
        '<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error></ErrorResponse>',
        'STS',
      ),
    ).toThrow(/refused: InvalidIdentityToken: Incorrect token audience/);
  });

  it('container and IMDS credentials', () => {
    expect(parseMetadataCredentials('{"AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-12-04T12:00:00Z"}', 'IMDS').sessionToken).toBe(
      'T',
    );
    expect(() => parseMetadataCredentials('{"Code":"Failure"}', 'IMDS')).toThrow(/without AccessKeyId/);
  });
});

describe('splitCommand: quotes, no shell', () => {
  it.each<[string, string[]]>([
    ['op read op://ci/registry/token', ['op', 'read', 'op://ci/registry/token']],
    ['"/opt/my tools/get token" --json', ['/opt/my tools/get token', '--json']],
    ["vault kv get -field=token 'secret/reg istry'", ['vault', 'kv', 'get', '-field=token', 'secret/reg istry']],
    ['echo $HOME; rm -rf /', ['echo', '$HOME;', 'rm', '-rf', '/']],
    ["a ''", ['a', '']],
    ['   ', []],
  ])('%s', (line, words) => {
    expect(splitCommand(line)).toEqual(words);
  });
});
