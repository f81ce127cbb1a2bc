/**
 * GitHub's Windows runners check out with core.autocrlf=true. `.gitattributes` (eol=lf) keeps
 * every text file LF there too: tests read README.md and fixtures byte for byte, and the shell
 * scripts must run as they are. A clone made as Windows makes one shows it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/release/targets.ts';
import { run } from '../helpers/spawn.ts';

describe('a checkout made with core.autocrlf=true, as on Windows', () => {
  it('has no CRLF in any text file', async () => {
    const clone = join(process.env.DCM_TEST_TMP!, 'crlf');
    expect(await run('git', ['-c', 'core.autocrlf=true', 'clone', '-q', '--no-hardlinks', ROOT, clone], { timeoutMs: 120_000 })).toExit(0);
    const eol = await run('git', ['-C', clone, '-c', 'core.autocrlf=true', 'ls-files', '--eol']);
    expect(eol).toExit(0);
    const crlf = eol.stdout.split('\n').filter((line) => /\bw\/(crlf|mixed)\b/.test(line));
    expect(crlf).toEqual([]);
    expect(readFileSync(join(clone, 'README.md'), 'utf8')).not.toContain('\r');
  });
});
