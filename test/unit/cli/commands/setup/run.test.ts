import { describe, expect, it } from 'vitest';
import { planSetup } from '../../../../../src/cli/commands/setup/run.ts';

type Data = Record<string, unknown>;
/** Each row: config.json's settings, the request, the backup's settings → what config.json becomes. */
const ROWS: Array<[string, Data, { registries: string[]; undo: boolean }, Data | undefined, Data]> = [
  ['credsStore for every registry', { auths: {} }, { registries: [], undo: false }, undefined, { auths: {}, credsStore: 'dcm' }],
  ['replaces another credsStore', { credsStore: 'desktop' }, { registries: [], undo: false }, undefined, { credsStore: 'dcm' }],
  [
    'credHelpers for the registries named, others kept',
    { credHelpers: { 'gcr.io': 'gcloud' } },
    { registries: ['ghcr.io'], undo: false },
    undefined,
    { credHelpers: { 'gcr.io': 'gcloud', 'ghcr.io': 'dcm' } },
  ],
  ['idempotent', { credsStore: 'dcm' }, { registries: [], undo: false }, undefined, { credsStore: 'dcm' }],
  ['undo restores the credsStore from before dcm', { credsStore: 'dcm' }, { registries: [], undo: true }, { credsStore: 'desktop' }, { credsStore: 'desktop' }],
  ['undo without an earlier credsStore removes it', { credsStore: 'dcm' }, { registries: [], undo: true }, undefined, {}],
  ['undo leaves a credsStore that is not dcm', { credsStore: 'desktop' }, { registries: [], undo: true }, undefined, { credsStore: 'desktop' }],
  [
    'undo of credHelpers removes only dcm entries',
    { credHelpers: { 'ghcr.io': 'dcm', 'gcr.io': 'gcloud' } },
    { registries: [], undo: true },
    undefined,
    { credHelpers: { 'gcr.io': 'gcloud' } },
  ],
  [
    'undo of one registry',
    { credHelpers: { 'ghcr.io': 'dcm', 'quay.io': 'dcm' } },
    { registries: ['quay.io'], undo: true },
    undefined,
    { credHelpers: { 'ghcr.io': 'dcm' } },
  ],
  ['undo of the last dcm entry drops credHelpers', { credHelpers: { 'ghcr.io': 'dcm' } }, { registries: [], undo: true }, undefined, {}],
];

describe('planSetup', () => {
  it.each(ROWS)('%s', (_name, data, request, backup, expected) => {
    const helpers = (data.credHelpers ?? {}) as Data;
    expect(planSetup(data, helpers, request, () => backup)).toEqual(expected);
  });

  it('reads the backup only when undo has a credsStore to restore', () => {
    let reads = 0;
    const read = () => {
      reads++;
      return undefined;
    };
    planSetup({ credsStore: 'dcm' }, {}, { registries: [], undo: false }, read);
    planSetup({ credHelpers: { a: 'dcm' } }, { a: 'dcm' }, { registries: [], undo: true }, read);
    expect(reads).toBe(0);
    planSetup({ credsStore: 'dcm' }, {}, { registries: [], undo: true }, read);
    expect(reads).toBe(1);
  });
});
