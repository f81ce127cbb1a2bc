/**
 * Makes a registry stand-in serve an image: a real CNCF registry holding `dcm/app:v1` behind
 * it, which gets every request the stand-in authorizes (registry-standins.ts, imageBackends).
 * Returns the function that stops it.
 */
import { expect } from 'vitest';
import { tempDir } from './env.ts';
import { writeOciLayout } from './oci-image.ts';
import { startRegistry } from './registry.ts';
import type { StandIns } from './registry-standins.ts';
import { run } from './spawn.ts';

export const IMAGE_PATH = 'dcm/app:v1';

export async function serveImage(standIns: StandIns, host: string): Promise<() => Promise<void>> {
  const backend = await startRegistry({ backend: 'backend-Pa55' });
  const layout = tempDir('backend-oci');
  writeOciLayout(layout, 'v1');
  const push = await run('skopeo', [
    'copy',
    '--dest-tls-verify=false',
    '--dest-creds',
    'backend:backend-Pa55',
    `oci:${layout}:v1`,
    `docker://${backend.host}/${IMAGE_PATH}`,
  ]);
  expect(push).toExit(0);
  standIns.imageBackends[host] = { upstream: backend.host, authorization: `Basic ${Buffer.from('backend:backend-Pa55').toString('base64')}` };
  return async () => {
    delete standIns.imageBackends[host];
    await backend.stop();
  };
}
