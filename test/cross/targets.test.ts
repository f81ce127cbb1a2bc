/**
 * The five release binaries, built on this Linux machine by `npm run build -- --all`
 * (scripts/test.sh builds them before this project runs), checked for what each platform's
 * loader needs: the right format and architecture, the blob in the place Node looks for it, the
 * fuse flipped, the target's own keyring addon and CLI bundle inside, and a signature that is
 * true (macOS: every page hash; Windows: none left that would lie). What runs here runs in
 * qemu.test.ts (linux-arm64) and wine.test.ts (win32-x64); macOS is never run here.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CPU_TYPE_X86_64, parseMachO, removeCodeSignature, signAdHoc, verifyCodeSignature } from '../../scripts/release/macho.ts';
import { IMAGE_FILE_MACHINE_AMD64, parsePe, peChecksum, removeAuthenticode } from '../../scripts/release/pe.ts';
import { keyringAddon, nodeBinary, ROOT, target, TARGET_NAMES } from '../../scripts/release/targets.ts';
import { run } from '../helpers/spawn.ts';

const TARGETS = join(ROOT, 'dist', 'targets');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const scratch = mkdtempSync(join(tmpdir(), 'dcm-cross-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function built(name: string): Buffer {
  return readFileSync(join(TARGETS, name, `dcm${target(name).suffix}`));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.each(TARGET_NAMES)('%s', (name) => {
  const t = target(name);

  it("carries the blob with the fuse flipped, and the target's own keyring addon and CLI bundle", () => {
    const binary = built(name);
    expect(binary.includes(`${FUSE}:1`), 'the SEA fuse is flipped').toBe(true);
    expect(binary.includes(`${FUSE}:0`)).toBe(false);
    expect(binary.includes(readFileSync(keyringAddon(t))), "the target's keyring addon, byte for byte").toBe(true);
    expect(binary.includes(readFileSync(join(TARGETS, '.build', name, 'cli.cjs'))), 'the CLI bundle').toBe(true);
    expect(binary.includes(readFileSync(join(TARGETS, '.build', name, 'dcm.cjs'))), 'the main script').toBe(true);
    for (const other of TARGET_NAMES.filter((n) => keyringAddon(target(n)) !== keyringAddon(t)))
      expect(binary.includes(readFileSync(keyringAddon(target(other))).subarray(0, 4096)), `no ${other} addon`).toBe(false);
  });

  it('has the format and architecture its platform loads', () => {
    const binary = built(name);
    if (t.os === 'linux') {
      expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect(binary.readUInt16LE(18), 'e_machine').toBe(t.arch === 'x64' ? 62 : 183);
      // Stripped, with the dynamic symbols the addon's N-API imports resolve against kept.
      const sections = spawnSync('llvm-readobj-14', ['--sections', join(TARGETS, name, 'dcm')], { encoding: 'utf8' }).stdout;
      expect(sections).not.toMatch(/Name: \.symtab/);
      expect(sections).toMatch(/Name: \.dynsym/);
    } else if (t.os === 'win32') {
      const pe = parsePe(binary);
      expect(pe.machine).toBe(IMAGE_FILE_MACHINE_AMD64);
      expect(pe.magic, 'PE32+').toBe(0x20b);
      expect(pe.certificates, 'no Authenticode signature claims the OpenJS Foundation signed dcm').toEqual({ offset: 0, size: 0 });
    } else {
      const macho = parseMachO(binary);
      expect(macho.cpuType === CPU_TYPE_X86_64 ? 'x64' : 'arm64').toBe(t.arch);
      expect(macho.fileType, 'MH_EXECUTE').toBe(2);
      expect(macho.segments.map((s) => s.name)).toContain('NODE_SEA');
      expect(macho.segments.at(-1)?.name).toBe('__LINKEDIT');
    }
  });

  it.runIf(t.os === 'darwin')('is signed ad hoc, as a linker signs, and every page hash verifies', () => {
    const report = verifyCodeSignature(built(name));
    expect(report.directories).toHaveLength(1);
    const [directory] = report.directories;
    expect(directory).toMatchObject({ hashType: 'sha256', version: 0x20400, flags: 0x20002, identifier: 'dcm', pageSize: 4096 });
    expect(directory!.verified).toBe(directory!.pages);
  });

  // darwin-x64 takes darwin-arm64's path; linux-x64 was built twice already (dist/dcm by the host
  // build, dist/targets/linux-x64 by --all): those two are compared instead of building a third.
  it.runIf(name !== 'darwin-x64')('is the same bytes when built again elsewhere (no code cache, no path of this machine inside)', async () => {
    if (name === 'linux-x64') {
      expect(sha256(readFileSync(join(ROOT, 'dist', 'dcm')))).toBe(sha256(built(name)));
      return;
    }
    const out = join(scratch, 'again');
    const result = await run(process.execPath, [join(ROOT, 'scripts/build.ts'), '--target', name, '--out', out], { timeoutMs: 120_000 });
    expect(result).toExit(0);
    expect(sha256(readFileSync(join(out, name, `dcm${t.suffix}`)))).toBe(sha256(built(name)));
  });
});

describe('the signature code, checked against the tools that define it', () => {
  it.each(['darwin-arm64', 'darwin-x64'])("reads Apple's own signature on the official %s Node: every page verifies", (name) => {
    const report = verifyCodeSignature(readFileSync(nodeBinary(target(name))));
    expect(report.directories.length).toBeGreaterThan(0);
    for (const directory of report.directories) expect(directory.verified, `${directory.hashType} directory`).toBe(directory.pages);
    // A flipped byte in the code is seen.
    const tampered = Buffer.from(readFileSync(nodeBinary(target(name))));
    tampered[100_000] = (tampered[100_000] ?? 0) ^ 0xff;
    expect(verifyCodeSignature(tampered).directories[0]!.verified).toBe(report.directories[0]!.pages - 1);
  });

  it("writes what LLVM's llvm-objcopy writes: same code limit, flags, version and executable segment, and the same hash for every page the two files share", async () => {
    const ours = built('darwin-arm64');
    const input = join(scratch, 'signed');
    const theirs = join(scratch, 'llvm');
    writeFileSync(input, ours);
    expect(await run('llvm-objcopy-14', [input, theirs])).toExit(0);
    const llvm = readFileSync(theirs);
    const [a] = verifyCodeSignature(ours).directories;
    const [b] = verifyCodeSignature(llvm).directories;
    expect(b!.verified).toBe(b!.pages);
    expect({ ...a, identifier: '' }).toEqual({ ...b, identifier: '' });
    const cd = (file: Buffer) => {
      const signature = parseMachO(file).signature!;
      const blob = file.subarray(signature.dataoff, signature.dataoff + signature.datasize);
      return blob.subarray(blob.readUInt32BE(16));
    };
    const [ca, cb] = [cd(ours), cd(llvm)];
    // codeLimit, hashSize/type/pageSize, execSegBase/Limit/Flags
    expect(ca.readUInt32BE(32)).toBe(cb.readUInt32BE(32));
    expect(ca.subarray(36, 40)).toEqual(cb.subarray(36, 40));
    expect(ca.subarray(64, 88)).toEqual(cb.subarray(64, 88));
    // llvm-objcopy lays __LINKEDIT out again, so pages there differ; every page whose bytes the
    // two files share must have the same hash in both signatures.
    let shared = 0;
    for (let page = 0; page < a!.pages; page++) {
      if (!ours.subarray(page * 4096, (page + 1) * 4096).equals(llvm.subarray(page * 4096, (page + 1) * 4096))) continue;
      shared++;
      const hashA = ca.subarray(ca.readUInt32BE(16) + page * 32, ca.readUInt32BE(16) + (page + 1) * 32);
      const hashB = cb.subarray(cb.readUInt32BE(16) + page * 32, cb.readUInt32BE(16) + (page + 1) * 32);
      expect(hashA.equals(hashB), `page ${page}`).toBe(true);
    }
    expect(shared, 'the code pages (__TEXT and the blob) are the same in both').toBeGreaterThan(a!.pages / 2);
  });

  it('signs and unsigns without losing a byte of the unsigned file', () => {
    const unsigned = removeCodeSignature(built('darwin-x64'));
    expect(parseMachO(unsigned).signature).toBeUndefined();
    const again = signAdHoc(unsigned, 'dcm');
    expect(again.equals(built('darwin-x64'))).toBe(true);
  });

  it("removes Node's Authenticode signature exactly as osslsigncode remove-signature does", async () => {
    const official = readFileSync(nodeBinary(target('win32-x64')));
    expect(parsePe(official).certificates.size, 'the official node.exe is signed').toBeGreaterThan(0);
    const theirs = join(scratch, 'unsigned.exe');
    expect(await run('osslsigncode', ['remove-signature', '-in', nodeBinary(target('win32-x64')), '-out', theirs])).toExit(0);
    expect(removeAuthenticode(official).equals(readFileSync(theirs))).toBe(true);
    // And dcm.exe as osslsigncode reads it: unsigned, its checksum true.
    const verify = await run('osslsigncode', ['verify', '-in', join(TARGETS, 'win32-x64', 'dcm.exe')]);
    expect(verify.stdout + verify.stderr).toMatch(/No signature found/);
    expect(verify.stdout + verify.stderr).not.toMatch(/invalid PE checksum/);
    const pe = parsePe(built('win32-x64'));
    expect(built('win32-x64').readUInt32LE(pe.checksumOffset)).toBe(peChecksum(built('win32-x64'), pe.checksumOffset));
  });
});
