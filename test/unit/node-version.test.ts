/** The Node version is stated once, in package.json's engines.node; everything else reads it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> };
const major = (range: string) => /(\d+)/.exec(range)?.[1];

describe('one Node version', () => {
  it('the pinned runtime (the node dev dependency) is the one engines.node names', () => {
    expect(major(pkg.devDependencies.node!)).toBe(major(pkg.engines.node));
  });

  it('every release binary is built from exactly that Node (scripts/release/runtimes.json)', () => {
    const runtimes = JSON.parse(readFileSync(join(ROOT, 'scripts/release/runtimes.json'), 'utf8')) as { version: string; targets: Record<string, unknown> };
    expect(runtimes.version).toBe(pkg.devDependencies.node);
    expect(Object.keys(runtimes.targets).sort()).toEqual(['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64', 'win32-x64']);
  });

  it('the tests run on it', () => {
    expect(process.versions.node.split('.')[0]).toBe(major(pkg.engines.node));
  });

  it('the workflow reads it from package.json instead of stating its own', () => {
    const workflow = readFileSync(join(ROOT, '.github/workflows/ci.yml'), 'utf8');
    expect(workflow).toContain('node-version-file: package.json');
    expect(workflow).not.toMatch(/node-version:\s*\d/);
  });

  it('the README states no version of its own', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).not.toMatch(/Node\s*[≥>]=?\s*\d/);
  });
});
