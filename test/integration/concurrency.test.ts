/**
 * `docker compose pull` starts one helper per image at once: 20 `get` and 20 `store`
 * processes together, for different registries, must all succeed and all be listed.
 * Covers: src/store/socket-lock.ts, src/store/credential-store.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestSession } from '../helpers/env.ts';
import { dcmHelper, storeJson, uniqueHost } from '../helpers/helper-process.ts';

describe('concurrent helper processes', () => {
  beforeAll(requireTestSession);
  const helper = dcmHelper();

  it('20 gets and 20 stores at once all succeed; list shows all 20', { tags: ['stress'] }, async () => {
    const readHosts = Array.from({ length: 20 }, (_, i) => uniqueHost(`read${i}`));
    const writeHosts = Array.from({ length: 20 }, (_, i) => uniqueHost(`write${i}`));
    for (const [i, host] of readHosts.entries()) await helper('store', storeJson(host, `reader${i}`, `rs${i}`));

    const results = await Promise.all([
      ...readHosts.map((host) => helper('get', host)),
      ...writeHosts.map((host, i) => helper('store', storeJson(host, `writer${i}`, `ws${i}`))),
    ]);
    for (const [i, result] of results.entries()) {
      expect(result, `process ${i}: ${result.stdout}`).toMatchObject({ code: 0 });
    }
    for (const [i, result] of results.slice(0, 20).entries()) {
      expect(JSON.parse(result.stdout)).toMatchObject({ Username: `reader${i}`, Secret: `rs${i}` });
    }

    const listed = JSON.parse((await helper('list')).stdout) as Record<string, string>;
    for (const [i, host] of writeHosts.entries()) expect(listed[host]).toBe(`writer${i}`);
    for (const [i, host] of writeHosts.entries()) {
      expect(JSON.parse((await helper('get', host)).stdout)).toMatchObject({ Username: `writer${i}`, Secret: `ws${i}` });
    }
    const erased = await Promise.all([...readHosts, ...writeHosts].map((host) => helper('erase', host)));
    // Every erase must have said it succeeded: a failure names the process and what it printed.
    for (const [i, result] of erased.entries()) expect(result, `erase ${i}: exit ${result.code}, ${result.stdout}${result.stderr}`).toMatchObject({ code: 0 });
    const after = JSON.parse((await helper('list')).stdout) as Record<string, string>;
    for (const host of [...readHosts, ...writeHosts]) expect(after).not.toHaveProperty(host);
  });
});
