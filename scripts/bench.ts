/**
 * `npm run bench`: dist/dcm against Debian's Go docker-credential-secretservice on the same
 * unlocked Secret Service (run inside scripts/with-keyring.sh), one process per call as Docker
 * runs them, interleaved round by round so that machine noise falls on both alike.
 *
 * Measures `get`, `store` and `list` (50 stored entries) for both, plus the bare start-up of the
 * Node runtime that dist/dcm embeds (`node -e 0`, the same Node build) as the floor. Then the
 * stores for machines without a keychain: `get` and `list` (50) through dcm's `pass` store
 * against Docker's Go docker-credential-pass on one throwaway GPG key and password store, and
 * `get` through dcm's `cache` agent. Then where a `get`'s time goes, stage by stage (plain Node
 * scripts that stop after each stage: the addon loaded, one keychain call through the async and
 * the sync API), and BuildKit's pattern: `list`, then one `get` for each of 20 logins. Prints
 * medians, ratios and peak memory, and writes them as JSON to bench-results/latest.json.
 *
 *   BENCH_ROUNDS=60 npm run bench
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DCM = join(ROOT, 'dist', 'docker-credential-dcm');
const GO = 'docker-credential-secretservice';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);
const LIST_ENTRIES = 50;
const GET_HOST = 'bench-get.example';

interface Subject {
  name: string;
  command: string;
  args: string[];
  input: string;
  env?: NodeJS.ProcessEnv;
  /** More calls after the first, timed together (BuildKit's list, then a get per login). */
  followedBy?: Array<{ args: string[]; input: string }>;
}

/** BuildKit asks for every stored login before a build: `list`, then one `get` each. */
const BUILDKIT_GETS = 20;

/**
 * The stages of a `get`, for the breakdown (issue 15): plain Node scripts on the same Node build,
 * each one step further than the last. Their differences are the cost of each stage.
 */
const NODE = join(ROOT, 'node_modules', '.bin', 'node');
const KEYRING_OPTIONS = "{ linux: { store: 'secret-service' } }";
const STAGES = {
  addon: "const k = require('@napi-rs/keyring'); require('node:fs').readFileSync(0);",
  asyncCall: `const k = require('@napi-rs/keyring'); const host = require('node:fs').readFileSync(0, 'utf8'); new k.AsyncEntry('dcm', host, ${KEYRING_OPTIONS}).getPassword().then((p) => process.stdout.write(p ? 'found' : 'none'));`,
  syncCall: `const k = require('@napi-rs/keyring'); const host = require('node:fs').readFileSync(0, 'utf8'); process.stdout.write(new k.Entry('dcm', host, ${KEYRING_OPTIONS}).getPassword() ? 'found' : 'none');`,
};

function call(command: string, args: string[], input: string, env: NodeJS.ProcessEnv = process.env): { ms: number; stdout: string; status: number | null } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { input, encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  return { ms, stdout: result.stdout, status: result.status };
}

function must(command: string, args: string[], input: string, env?: NodeJS.ProcessEnv): string {
  const result = call(command, args, input, env);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stdout}`);
  return result.stdout;
}

/** Peak resident memory in KiB, from GNU time. */
function peakMemoryKiB(subject: Subject): number {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', subject.command, ...subject.args], {
    input: subject.input,
    encoding: 'utf8',
    env: subject.env ?? process.env,
  });
  return Number(result.stderr.trim().split('\n').at(-1));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;

function seed(): void {
  const token = 'x'.repeat(2600);
  for (const helper of [DCM, GO]) {
    must(helper, ['store'], JSON.stringify({ ServerURL: GET_HOST, Username: 'bench', Secret: token }));
    for (let i = 0; i < LIST_ENTRIES - 1; i++) {
      must(helper, ['store'], JSON.stringify({ ServerURL: `registry-${i}.bench.example`, Username: `user${i}`, Secret: `secret-${i}` }));
    }
  }
  for (const helper of [DCM, GO]) {
    const listed = Object.keys(JSON.parse(must(helper, ['list'], '')) as object).length;
    if (listed !== LIST_ENTRIES) throw new Error(`${helper} lists ${listed} entries, expected ${LIST_ENTRIES}`);
    const got = JSON.parse(must(helper, ['get'], GET_HOST)) as { Secret: string };
    if (got.Secret !== token) throw new Error(`${helper} get returned the wrong secret`);
  }
}

/** A throwaway GPG key (no passphrase) and password store, seeded for dcm's pass store and Go's helper alike. */
function headlessStores(): { pass: NodeJS.ProcessEnv; cache: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'dcm-bench-'));
  const gnupg = join(dir, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const base: NodeJS.ProcessEnv = { ...process.env, GNUPGHOME: gnupg, PASSWORD_STORE_DIR: join(dir, 'store') };
  delete base.DBUS_SESSION_BUS_ADDRESS;
  must('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'dcm bench <bench@localhost>', 'default', 'default', 'never'], '', base);
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(must('gpg', ['--list-keys', '--with-colons'], '', base))![1]!;
  must('pass', ['init', fingerprint], '', base);
  const pass = { ...base, DCM_STORE: 'pass' };
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const cache = { ...base, DCM_STORE: 'cache', XDG_RUNTIME_DIR: runtime };
  const token = 'x'.repeat(2600);
  for (const [helper, env] of [
    [DCM, pass],
    ['docker-credential-pass', pass],
    [DCM, cache],
  ] as const) {
    must(helper, ['store'], JSON.stringify({ ServerURL: GET_HOST, Username: 'bench', Secret: token }), env);
    if (env === cache) continue;
    for (let i = 0; i < LIST_ENTRIES - 1; i++) {
      must(helper, ['store'], JSON.stringify({ ServerURL: `registry-${i}.bench.example`, Username: `user${i}`, Secret: `secret-${i}` }), env);
    }
  }
  return { pass, cache };
}

const BOUND_HOST = 'bench-bound.example';
const ECR_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/**
 * The providers (issue 24): an exec binding whose token is cached (the cost a binding adds to a
 * get), and an aws binding whose tokens live 61 s, so that every get mints (a refresh), beside
 * Debian's amazon-ecr-credential-helper with its cache off, on the same ECR stand-in.
 */
async function providerSubjects(): Promise<{ subjects: Subject[]; stop: () => void }> {
  const child = spawn(NODE, [join(ROOT, 'scripts', 'bench-standins.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolveLine) => createInterface({ input: child.stdout! }).once('line', resolveLine));
  const cloud = JSON.parse(first) as { proxyUrl: string; caDir: string; key: { accessKeyId: string; secretAccessKey: string } };
  const dir = mkdtempSync(join(process.env.DCM_TEST_TMP ?? tmpdir(), 'bench-providers-'));
  const script = join(dir, 'token.sh');
  writeFileSync(script, '#!/bin/sh\necho \'{"Username":"bench","Secret":"bench-minted","ExpiresAt":"2099-01-01T00:00:00Z"}\'\n', { mode: 0o755 });
  mkdirSync(join(dir, 'dcm'));
  writeFileSync(
    join(dir, 'dcm', 'config.json'),
    JSON.stringify({ providers: { [BOUND_HOST]: { provider: 'exec', command: [script] }, [ECR_HOST]: { provider: 'aws' } } }),
    {
      mode: 0o600,
    },
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dir,
    HOME: dir,
    HTTPS_PROXY: cloud.proxyUrl,
    NO_PROXY: '',
    AWS_CA_BUNDLE: join(cloud.caDir, 'ca.crt'),
    AWS_ACCESS_KEY_ID: cloud.key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cloud.key.secretAccessKey,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ECR_DISABLE_CACHE: 'true',
  };
  must(DCM, ['get'], BOUND_HOST, env); // the one mint; every timed get is served from the cache
  return {
    subjects: [
      { name: 'dcm get (bound, cached)', command: DCM, args: ['get'], input: BOUND_HOST, env },
      { name: 'dcm get (aws, mints)', command: DCM, args: ['get'], input: ECR_HOST, env },
      { name: 'ecr-login get (no cache)', command: 'docker-credential-ecr-login', args: ['get'], input: ECR_HOST, env },
    ],
    stop: () => child.stdin!.end(),
  };
}

async function main(): Promise<void> {
  seed();
  const headless = headlessStores();
  const storeInput = `${JSON.stringify({ ServerURL: 'bench-store.example', Username: 'bench', Secret: 's'.repeat(2600) })}\n`;
  const subjects: Subject[] = [
    { name: 'node -e 0 (floor)', command: join(ROOT, 'node_modules', '.bin', 'node'), args: ['-e', '0'], input: '' },
    { name: 'dcm get', command: DCM, args: ['get'], input: GET_HOST },
    { name: 'go get', command: GO, args: ['get'], input: GET_HOST },
    { name: 'dcm store', command: DCM, args: ['store'], input: storeInput },
    { name: 'go store', command: GO, args: ['store'], input: storeInput },
    { name: `dcm list (${LIST_ENTRIES})`, command: DCM, args: ['list'], input: '' },
    { name: `go list (${LIST_ENTRIES})`, command: GO, args: ['list'], input: '' },
    { name: 'dcm pass get', command: DCM, args: ['get'], input: GET_HOST, env: headless.pass },
    { name: 'go pass get', command: 'docker-credential-pass', args: ['get'], input: GET_HOST, env: headless.pass },
    { name: `dcm pass list (${LIST_ENTRIES})`, command: DCM, args: ['list'], input: '', env: headless.pass },
    { name: `go pass list (${LIST_ENTRIES})`, command: 'docker-credential-pass', args: ['list'], input: '', env: headless.pass },
    { name: 'dcm cache get', command: DCM, args: ['get'], input: GET_HOST, env: headless.cache },
  ];
  const buildkit = (command: string): Subject => ({
    name: `${command === DCM ? 'dcm' : 'go'} buildkit (list+${BUILDKIT_GETS})`,
    command,
    args: ['list'],
    input: '',
    followedBy: Array.from({ length: BUILDKIT_GETS }, (_, i) => ({ args: ['get'], input: `registry-${i}.bench.example` })),
  });
  // Issue 26: the same get through dcm's own Secret Service client, with DH and with plain.
  subjects.push(
    { name: 'dcm get (TS client, DH)', command: DCM, args: ['get'], input: GET_HOST, env: { ...process.env, DCM_SECRET_SERVICE_CLIENT: 'dh' } },
    { name: 'dcm get (TS client, plain)', command: DCM, args: ['get'], input: GET_HOST, env: { ...process.env, DCM_SECRET_SERVICE_CLIENT: 'plain' } },
  );
  const providers = await providerSubjects();
  subjects.push(...providers.subjects);
  subjects.push(
    { name: 'dcm version (SEA start)', command: DCM, args: ['version'], input: '' },
    { name: 'node: addon + stdin', command: NODE, args: ['-e', STAGES.addon], input: GET_HOST },
    { name: 'node: + async call', command: NODE, args: ['-e', STAGES.asyncCall], input: GET_HOST },
    { name: 'node: + sync call', command: NODE, args: ['-e', STAGES.syncCall], input: GET_HOST },
    buildkit(DCM),
    buildkit(GO),
  );
  const samples = new Map(subjects.map((s) => [s.name, [] as number[]]));
  for (const subject of subjects) call(subject.command, subject.args, subject.input, subject.env); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved, in a different order each round.
    for (const subject of [...subjects].sort(() => Math.random() - 0.5)) {
      let ms = 0;
      for (const step of [{ args: subject.args, input: subject.input }, ...(subject.followedBy ?? [])]) {
        const result = call(subject.command, step.args, step.input, subject.env);
        if (result.status !== 0) throw new Error(`${subject.name} failed: ${result.stdout}`);
        ms += result.ms;
      }
      samples.get(subject.name)!.push(ms);
    }
  }

  const rows = subjects.map((subject) => {
    const values = samples.get(subject.name)!;
    return { name: subject.name, medianMs: round2(median(values)), p90Ms: round2(quantile(values, 0.9)), peakRssKiB: peakMemoryKiB(subject) };
  });
  const at = (name: string) => rows.find((r) => r.name === name)!.medianMs;
  const floor = at('node -e 0 (floor)');
  const ratios = {
    getVsGo: round2(at('dcm get') / at('go get')),
    storeVsGo: round2(at('dcm store') / at('go store')),
    listVsGo: round2(at(`dcm list (${LIST_ENTRIES})`) / at(`go list (${LIST_ENTRIES})`)),
    getOverFloorMs: round2(at('dcm get') - floor),
    passGetVsGo: round2(at('dcm pass get') / at('go pass get')),
    passListVsGo: round2(at(`dcm pass list (${LIST_ENTRIES})`) / at(`go pass list (${LIST_ENTRIES})`)),
    cacheGetOverFloorMs: round2(at('dcm cache get') - floor),
    buildkitVsGo: round2(at(`dcm buildkit (list+${BUILDKIT_GETS})`) / at(`go buildkit (list+${BUILDKIT_GETS})`)),
    boundCachedOverStaticMs: round2(at('dcm get (bound, cached)') - at('dcm get')),
    awsMintVsEcrLogin: round2(at('dcm get (aws, mints)') / at('ecr-login get (no cache)')),
    tsClientDhVsGo: round2(at('dcm get (TS client, DH)') / at('go get')),
    tsClientPlainVsGo: round2(at('dcm get (TS client, plain)') / at('go get')),
  };
  // Where a get's milliseconds go, from execve to exit: each stage is the difference to the last.
  const breakdown = {
    floorMs: floor,
    seaStartMs: round2(at('dcm version (SEA start)') - floor),
    addonAndStdinMs: round2(at('node: addon + stdin') - floor),
    keychainCallAsyncMs: round2(at('node: + async call') - at('node: addon + stdin')),
    keychainCallSyncMs: round2(at('node: + sync call') - at('node: addon + stdin')),
    dcmRestMs: round2(at('dcm get') - at('dcm version (SEA start)') - (at('node: + async call') - floor)),
  };
  const goals = {
    'get within 1.8x the Go helper': ratios.getVsGo <= 1.8,
    'get within 8 ms of the runtime start-up': ratios.getOverFloorMs <= 8,
    [`list of ${LIST_ENTRIES} faster than the Go helper`]: ratios.listVsGo < 1,
    'pass get no slower than docker-credential-pass': ratios.passGetVsGo <= 1,
    [`pass list of ${LIST_ENTRIES} several times faster than docker-credential-pass`]: ratios.passListVsGo <= 1 / 3,
    'a get served from a cached minted token within 5 ms of a static get': ratios.boundCachedOverStaticMs <= 5,
  };

  console.log(`${ROUNDS} interleaved rounds, one process per call\n`);
  console.log('subject'.padEnd(28) + 'median ms'.padStart(11) + 'p90 ms'.padStart(9) + 'peak RSS MiB'.padStart(14));
  for (const row of rows) {
    console.log(
      row.name.padEnd(28) + row.medianMs.toFixed(1).padStart(11) + row.p90Ms.toFixed(1).padStart(9) + (row.peakRssKiB / 1024).toFixed(1).padStart(14),
    );
  }
  console.log(
    `\nget: ${ratios.getVsGo}x Go, ${ratios.getOverFloorMs} ms above the runtime floor; store: ${ratios.storeVsGo}x Go; list: ${ratios.listVsGo}x Go`,
  );
  console.log(
    `pass get: ${ratios.passGetVsGo}x Go's pass helper; pass list: ${ratios.passListVsGo}x; cache get: ${ratios.cacheGetOverFloorMs} ms above the floor`,
  );
  console.log(
    `buildkit pattern (list, then ${BUILDKIT_GETS} gets): ${ratios.buildkitVsGo}x Go\n` +
      `get, stage by stage: floor ${breakdown.floorMs} ms, SEA start +${breakdown.seaStartMs}, addon and stdin +${breakdown.addonAndStdinMs}, ` +
      `keychain call +${breakdown.keychainCallAsyncMs} (async API; sync API +${breakdown.keychainCallSyncMs}), the rest of dcm +${breakdown.dcmRestMs}`,
  );
  console.log(
    `providers: a bound get served from the cache +${ratios.boundCachedOverStaticMs} ms over a static get; ` +
      `an ECR refresh (aws binding, minted per get) ${ratios.awsMintVsEcrLogin}x amazon-ecr-credential-helper without its cache`,
  );
  console.log(`dcm's Secret Service client: get ${ratios.tsClientDhVsGo}x Go with DH, ${ratios.tsClientPlainVsGo}x with plain (the addon: ${ratios.getVsGo}x)`);
  for (const [goal, met] of Object.entries(goals)) console.log(`${met ? 'met    ' : 'not met'}  ${goal}`);

  // The cache agent exits once it holds nothing; the throwaway gpg-agent is stopped.
  must(DCM, ['erase'], GET_HOST, headless.cache);
  spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: headless.pass });
  providers.stop();

  const out = join(ROOT, 'bench-results');
  mkdirSync(out, { recursive: true });
  const report = { date: new Date().toISOString(), rounds: ROUNDS, node: process.version, rows, ratios, breakdown, goals };
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${join(out, 'latest.json')}`);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

await main();
