import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitCollector } from '../../src/core/windows-config';
import { opencal, removeDir, tempDir } from './harness';

const FIXTURES = join(__dirname, '..', 'fixtures', 'windows');
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('opencal diagnose --from (a real Windows estate, no OpenCAL server)', () => {
  it("the source document's estate blocks (exit 4) and prints the plan and the phone script in French", async () => {
    const r = await opencal(['diagnose', '--from', join(FIXTURES, 'reinstalled-2019', 'bundle'), '--lang', 'fr']);
    expect(r.exit).toBe(4);
    expect(r.stdout).toContain('[BLOQUANT] NO_CALS_AFTER_REINSTALL');
    expect(r.stdout).toContain('Plan de reprise:');
    expect(r.stdout).toContain('1. [fait] Activer le serveur de licences');
    expect(r.stdout).toContain('* ID du serveur de licences (nouveau) : G7KQ2-BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH');
    expect(r.stdout).toContain('organisation : Contoso SARL ; contact : Ana Diaz');
    expect(r.stdout).not.toContain('`');
  });

  it('the language comes from --lang, then OPENCAL_LANG, then the system locale', async () => {
    const path = join(FIXTURES, 'healthy', 'bundle');
    expect((await opencal(['diagnose', '--from', path], { OPENCAL_LANG: 'fr', LANG: 'en_US.UTF-8' })).stdout).toContain('Aucun problème');
    expect((await opencal(['diagnose', '--from', path], { LANG: 'fr_FR.UTF-8' })).stdout).toContain('Aucun problème');
    expect((await opencal(['diagnose', '--from', path, '--lang', 'en'], { OPENCAL_LANG: 'fr' })).stdout).toContain('No problem found');
    expect((await opencal(['diagnose', '--from', path], {})).stdout).toContain('No problem found');
  });

  it('a healthy estate exits 0; --json gives the findings, the plan and the files read', async () => {
    const r = await opencal(['diagnose', '--from', join(FIXTURES, 'healthy', 'raw'), '--json']);
    expect(r.exit).toBe(0);
    expect(r.json.findings).toEqual([]);
    expect(r.json.plan.map((s: { step: string; done: boolean }) => `${s.step}:${s.done}`)).toEqual(['activate:true', 'install:true', 'configure:true', 'verify:true']);
    expect(r.json.ignored).toEqual(['notes.txt']);
    expect(r.json.files.map((f: { kind: string }) => f.kind)).toContain('registry-export');
  });

  it('a single file works, whatever its name', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = join(dir, 'whatever.dat');
    copyFileSync(join(FIXTURES, 'per-user-workgroup', 'bundle', 'opencal-bundle-RDSH03.json'), file);
    const r = await opencal(['diagnose', '--from', file, '--json']);
    expect(r.exit).toBe(4);
    expect(r.json.findings.map((f: { code: string }) => f.code)).toContain('PER_USER_IN_WORKGROUP');
  });

  it('a cut export is refused (exit 1) with a code, the file and the line', async () => {
    const dir = tempDir();
    dirs.push(dir);
    mkdirSync(join(dir, 'exports'));
    const text = readFileSync(join(FIXTURES, 'reinstalled-2019', 'bundle', 'opencal-bundle-LIC01.json'), 'utf8');
    writeFileSync(join(dir, 'exports', 'lic.json'), text.slice(0, 400));
    const r = await opencal(['diagnose', '--from', join(dir, 'exports'), '--lang', 'en']);
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^IMPORT_JSON_INVALID: lic\.json, line \d+: the JSON is cut or broken/);
    const missing = await opencal(['diagnose', '--from', join(dir, 'nothing-here'), '--lang', 'fr']);
    expect(missing.exit).toBe(1);
    expect(missing.stderr).toContain("IMPORT_PATH_NOT_FOUND");
    expect(missing.stderr).toContain("n'existe pas");
  });

  it('host emit --format collector prints the collector without asking a server', async () => {
    const r = await opencal(['host', 'emit', '--format', 'collector', '--url', 'http://127.0.0.1:9']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toBe(emitCollector().endsWith('\n') ? emitCollector() : `${emitCollector()}\n`);
  });
});
