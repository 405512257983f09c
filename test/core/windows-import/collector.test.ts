import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_BUNDLE_SCHEMA, EMIT_FORMATS, emitCollector, emitFileName, emitWindowsConfig, type WindowsLicensingSettings } from '../../../src/core/windows-config';
import { COLLECTOR_SCHEMA } from '../../../src/core/windows-import/import';

const GOLDEN = join(__dirname, '..', '..', 'golden', 'windows-config', 'collector.ps1');
const GRAMMAR = join(__dirname, '..', '..', '..', 'node_modules', 'tree-sitter-powershell', 'tree-sitter-powershell.wasm');

let parser: Parser;
beforeAll(async () => {
  await Parser.init();
  parser = new Parser();
  parser.setLanguage(await Language.load(GRAMMAR));
});

/** The ERROR and MISSING nodes of a parse, with their line, so a failure says where. */
function problems(source: string): string[] {
  const tree = parser.parse(source);
  if (!tree) return ['no tree'];
  const out: string[] = [];
  const visit = (n: Node) => {
    if (n.type === 'ERROR' || n.isMissing) out.push(`${n.isMissing ? 'MISSING' : 'ERROR'} at line ${n.startPosition.row + 1}: ${n.text.slice(0, 60)}`);
    for (const c of n.children) if (c) visit(c);
  };
  visit(tree.rootNode);
  return out;
}

const SITES: WindowsLicensingSettings[] = [
  { mode: 'per-device', licenseServers: ['http://SERVEUR-LIC:7878'] },
  { mode: 'per-user', licenseServers: ['http://ls1.corp.example:7878', 'https://ls2.corp.example'] },
  { mode: 'not-configured', licenseServers: [] },
];

describe('the collector script', () => {
  it('matches its golden file', () => {
    const actual = emitCollector();
    if (process.env.OPENCAL_UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual);
    expect(existsSync(GOLDEN)).toBe(true);
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('parses with the PowerShell grammar without an error or missing node', () => {
    expect(problems(emitCollector())).toEqual([]);
  });

  it('the grammar does report a broken script (the check can fail)', () => {
    expect(problems('$bundle = [ordered]@{ a = (1\n').length).toBeGreaterThan(0);
  });

  it('is read-only: it sets, removes and invokes nothing that changes the server', () => {
    const script = emitCollector();
    for (const verb of ['Set-ItemProperty', 'New-Item', 'Remove-Item', 'Set-RDLicenseConfiguration', 'ChangeMode', 'SetSpecifiedLicenseServerList', 'ActivateServer', 'Revoke', 'Install-', 'Import-Module']) {
      expect(script).not.toContain(verb);
    }
    // Only the Get… and the connectivity query methods are invoked.
    const methods = [...script.matchAll(/-Method '(\w+)'/g)].map((m) => m[1]);
    expect(new Set(methods)).toEqual(new Set(['GetSpecifiedLicenseServerList', 'GetTStoLSConnectivityStatus', 'GetGracePeriodDays', 'GetActivationStatus', 'GetLicenseServerId']));
  });

  it('states the schema the importer reads, gathers the four RDS classes and writes UTF-8', () => {
    const script = emitCollector();
    expect(COLLECTOR_BUNDLE_SCHEMA).toBe(COLLECTOR_SCHEMA);
    expect(script).toContain(`schema = '${COLLECTOR_SCHEMA}'`);
    for (const cls of ['Win32_TerminalServiceSetting', 'Win32_TSLicenseServer', 'Win32_TSLicenseKeyPack', 'Win32_TSIssuedLicense']) expect(script).toContain(cls);
    expect(script).toContain("'root\\cimv2\\TerminalServices'");
    expect(script).toContain('System.Text.UTF8Encoding');
    expect(script).toContain('Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin');
    expect(script).toContain('AddDays(-$Days)');
    expect(script.split('\r\n').length).toBeGreaterThan(100);
  });
});

describe('every PowerShell script that host emit writes', () => {
  const formats = EMIT_FORMATS.filter((f) => emitFileName(f).endsWith('.ps1'));
  it('covers the registry script and the RDMS line at least', () => {
    expect(formats).toEqual(expect.arrayContaining(['powershell', 'rdms']));
  });
  for (const format of formats) {
    for (const site of SITES) {
      it(`${format} for ${site.mode} with ${site.licenseServers.length} server(s) parses without an error node`, () => {
        const out = emitWindowsConfig(format, site);
        expect(out.ok).toBe(true);
        if (out.ok) expect(problems(out.value)).toEqual([]);
      });
    }
  }
});
