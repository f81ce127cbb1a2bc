import { dcmBinDir } from './env.ts';
import { run, type RunResult } from './spawn.ts';

export type HelperCall = (verb: string | string[], stdin?: string | Buffer, env?: NodeJS.ProcessEnv) => Promise<RunResult>;

/** Runs `docker-credential-dcm VERB` as Docker does: one process per call, stdin in, stdout out. */
export function dcmHelper(): HelperCall & { path: string; binDir: string } {
  const { helper, dir } = dcmBinDir();
  const call: HelperCall = (verb, stdin = '', env) => run(helper, Array.isArray(verb) ? verb : [verb], { stdin, env: env ?? process.env, timeoutMs: 20_000 });
  return Object.assign(call, { path: helper, binDir: dir });
}

export function storeJson(serverURL: string, username: string, secret: string): string {
  return `${JSON.stringify({ ServerURL: serverURL, Username: username, Secret: secret })}\n`;
}

/** A prefix unique to this test run, so entries never collide with another test's. */
export function uniqueHost(label: string): string {
  return `${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.test`;
}
