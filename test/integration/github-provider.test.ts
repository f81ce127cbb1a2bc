/**
 * `--provider github` (issue 24) against the GHCR stand-in: in a job, GITHUB_TOKEN with the
 * job's actor; elsewhere Debian's gh, with a throwaway configuration, answering `gh auth token`;
 * and gh logged out, in one line with the fix.
 * Covers: src/providers/github.ts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession, tempDir } from '../helpers/env.ts';
import { testMachine } from '../helpers/machine.ts';
import { HOSTS, startStandIns, type StandIns } from '../helpers/registry-standins.ts';

let standIns: StandIns;
beforeAll(async () => {
  requireTestSession();
  standIns = await startStandIns();
});
afterAll(() => standIns?.stop());

function githubMachine(env: NodeJS.ProcessEnv) {
  const config = tempDir('gh-xdg');
  mkdirSync(join(config, 'dcm'));
  const base = standIns.env({ ...process.env });
  for (const name of ['GITHUB_TOKEN', 'GITHUB_ACTOR', 'GH_TOKEN', 'GH_CONFIG_DIR']) delete base[name];
  return testMachine({ config: { credsStore: 'dcm' }, env: { ...base, XDG_CONFIG_HOME: config, GH_CONFIG_DIR: tempDir('gh-empty'), ...env } });
}

describe('dcm login ghcr.io --provider github', () => {
  it('in a job: GITHUB_TOKEN, as the job’s actor; get serves it', async () => {
    const machine = githubMachine({ GITHUB_TOKEN: standIns.secrets.ghcr.pat, GITHUB_ACTOR: 'octocat' });
    const login = await machine.dcm(['login', HOSTS.ghcr, '--provider', 'github', '--cert-dir', standIns.caDir]);
    expect(login).toExit(0);
    expect(login.stdout).toMatch(/^Login Succeeded: github tokens for ghcr\.io, minted from GITHUB_TOKEN \(octocat\)/);
    const get = await machine.helper('get', HOSTS.ghcr);
    expect(JSON.parse(get.stdout)).toEqual({ ServerURL: HOSTS.ghcr, Username: 'octocat', Secret: standIns.secrets.ghcr.pat });
  });

  it('on a laptop: gh auth token, from gh’s own configuration', async () => {
    const gh = tempDir('gh-config');
    writeFileSync(join(gh, 'hosts.yml'), `github.com:\n    oauth_token: ${standIns.secrets.ghcr.pat}\n    user: octocat\n    git_protocol: https\n`);
    const machine = githubMachine({ GH_CONFIG_DIR: gh });
    const login = await machine.dcm(['login', HOSTS.ghcr, '--provider', 'github', '--username', 'octocat', '--cert-dir', standIns.caDir]);
    expect(login).toExit(0);
    expect(login.stdout).toContain('minted from gh octocat@github.com');
    expect(JSON.parse((await machine.helper('get', HOSTS.ghcr)).stdout).Secret).toBe(standIns.secrets.ghcr.pat);
  });

  it('gh logged out: one line, with the command that logs in; nothing bound', async () => {
    const machine = githubMachine({});
    const login = await machine.dcm(['login', HOSTS.ghcr, '--provider', 'github', '--username', 'octocat']);
    expect(login).toExit(3);
    expect(login.stderr).toMatch(
      /^dcm: github: gh auth token --hostname github\.com exited 1: no oauth token; log in with: gh auth login --scopes read:packages\n$/,
    );
  });

  it('GITHUB_TOKEN without GITHUB_ACTOR or --username: a usage error that names the flag', async () => {
    const machine = githubMachine({ GITHUB_TOKEN: 'x' });
    const login = await machine.dcm(['login', HOSTS.ghcr, '--provider', 'github']);
    expect(login).toExit(2);
    expect(login.stderr).toContain('--username NAME');
  });
});
