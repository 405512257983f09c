import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEventXml } from '../../../src/core/windows-import/event-xml';
import { importWindowsFiles, type InputFile } from '../../../src/core/windows-import/import';
import { windowsDate } from '../../../src/core/windows-import/ps-json';
import { parseRdmsText } from '../../../src/core/windows-import/rdms-text';
import { parseRegExport } from '../../../src/core/windows-import/reg-export';
import { messageFor } from '../../../src/core/result';
import { IMPORT_REFUSAL_CODES } from '../../../src/core/windows-import/refusals';
import { decodeSource } from '../../../src/core/windows-import/source-text';
import { fixtureFiles } from './helpers';

const utf16 = (s: string) => new Uint8Array([0xff, 0xfe, ...Buffer.from(s, 'utf16le')]);
const utf8 = (s: string) => new TextEncoder().encode(s);
const file = (name: string, bytes: Uint8Array): InputFile => ({ name, bytes });

describe('encodings are sniffed from the bytes', () => {
  it('UTF-16LE with a BOM, UTF-8 with and without a BOM, and UTF-16LE without a BOM decode to the same text', () => {
    const text = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"A"="é"\r\n';
    const forms = [utf16(text), utf8(text), new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]), new Uint8Array(Buffer.from(text, 'utf16le'))];
    for (const bytes of forms) {
      const d = decodeSource('x', bytes);
      expect(d.ok && d.value.text).toBe(text);
    }
  });

  it('bytes that are not UTF-8 are refused with the file and the line', () => {
    const d = decodeSource('policy.reg', new Uint8Array([...utf8('line one\nline two\n'), 0xc3, 0x28, 0x0a]));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.error).toMatchObject({ code: 'IMPORT_ENCODING_INVALID', detail: { file: 'policy.reg', line: 3 } });
  });
});

describe('reg export files', () => {
  it('reads dword:, quoted strings with escapes, and hex(7): multi-strings continued over several lines', () => {
    const text = [
      'Windows Registry Editor Version 5.00',
      '',
      '[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\TermService\\Parameters\\LicenseServers]',
      '"SpecifiedLicenseServers"=hex(7):4c,00,49,00,43,00,30,00,31,00,00,00,4c,00,49,00,\\',
      '  43,00,30,00,32,00,00,00,00,00',
      '"Path"="C:\\\\Windows\\\\System32\\\\LServer \\"db\\""',
      '"LicensingMode"=dword:00000002',
      '',
    ].join('\r\n');
    const reg = parseRegExport('x.reg', text);
    expect(reg.ok).toBe(true);
    if (!reg.ok) return;
    const values = reg.value.get('HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\TermService\\Parameters\\LicenseServers')!;
    expect(values.get('SpecifiedLicenseServers')).toEqual({ type: 'multi-sz', value: ['LIC01', 'LIC02'] });
    expect(values.get('Path')).toEqual({ type: 'sz', value: 'C:\\Windows\\System32\\LServer "db"' });
    expect(values.get('LicensingMode')).toEqual({ type: 'dword', value: 2 });
  });

  it('a broken value line is refused with its line number', () => {
    const r = parseRegExport('policy.reg', 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"LicensingMode"=dword:zz\r\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.detail).toMatchObject({ file: 'policy.reg', line: 4 });
  });
});

describe('wevtutil XML', () => {
  it('reads concatenated <Event> fragments with single quotes, 7 or 9 fractional digits, EventData and UserData', () => {
    const xml =
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-TerminalServices-RemoteConnectionManager' Guid='{C76BAA63-AE81-421C-B425-340B4B24157F}'/><EventID>50282</EventID><Level>3</Level><TimeCreated SystemTime='2026-10-08T19:30:43.6509771Z'/><Channel>Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin</Channel><Computer>RDSH01.contoso.local</Computer><Security UserID='S-1-5-20'/></System><UserData><EventXML xmlns='Event_NS'><listenerName>RDP-Tcp</listenerName></EventXML></UserData></Event>" +
      "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-TerminalServices-Licensing'/><EventID Qualifiers='16390'>21</EventID><Level>3</Level><TimeCreated SystemTime='2026-10-09T08:00:00.123456700Z'/><Computer>LIC01</Computer></System><EventData><Data Name='param2'>RDS 2019 &amp; more</Data></EventData></Event>";
    const r = parseEventXml('rcm.xml', xml);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual([
      { id: 50282, provider: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager', level: 3, at: '2026-10-08T19:30:43.650Z', channel: 'Microsoft-Windows-TerminalServices-RemoteConnectionManager/Admin', computer: 'RDSH01.contoso.local', data: { listenerName: 'RDP-Tcp' } },
      { id: 21, provider: 'Microsoft-Windows-TerminalServices-Licensing', level: 3, at: '2026-10-09T08:00:00.123Z', computer: 'LIC01', data: { param2: 'RDS 2019 & more' } },
    ]);
  });

  it('a cut export is refused with the file and the line', () => {
    const r = parseEventXml('rcm.xml', "<Event><System><EventID>1004</EventID></System></Event>\r\n<Event><System><EventID>10");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'IMPORT_XML_INVALID', detail: { file: 'rcm.xml', line: 2 } });
  });
});

describe('PowerShell 5.1 values', () => {
  it('dates: \\/Date(ms)\\/, the Get-Date object form, WMI DATETIME with its offset, and ISO', () => {
    expect(windowsDate('/Date(1764518400000)/')).toBe('2025-11-30T16:00:00.000Z');
    expect(windowsDate({ value: '/Date(1764518400000)/', DisplayHint: 2, DateTime: 'dimanche' })).toBe('2025-11-30T16:00:00.000Z');
    expect(windowsDate('20380101093636.000000-000')).toBe('2038-01-01T09:36:36.000Z');
    expect(windowsDate('20261130170000.000000+060')).toBe('2026-11-30T16:00:00.000Z');
    expect(windowsDate('2026-11-30T16:00:00.0000000Z')).toBe('2026-11-30T16:00:00.000Z');
    expect(windowsDate('soon')).toBeUndefined();
  });

  it('Get-RDLicenseConfiguration: Format-List, Format-Table, and the no-deployment error', () => {
    expect(parseRdmsText('\r\nLicenseServer : {LIC01.contoso.local, LIC02.contoso.local}\r\nMode          : PerDevice\r\n')).toEqual({ licenseServers: ['LIC01.contoso.local', 'LIC02.contoso.local'], noDeployment: false, mode: 'per-device' });
    expect(parseRdmsText('LicenseServer         Mode\r\n-------------         ----\r\n{LIC01}               PerUser\r\n')).toEqual({ licenseServers: ['LIC01'], noDeployment: false, mode: 'per-user' });
    expect(parseRdmsText('Get-RDLicenseConfiguration : A Remote Desktop Services deployment does not exist on RDSH01.')).toEqual({ licenseServers: [], noDeployment: true });
  });
});

describe('JSON is read by what it holds, not its layout', () => {
  const keyPack = { KeyPackId: 4, Description: 'A02-10.01-S', KeyPackType: 2, ProductType: 0, ProductVersion: 'Windows Server 2019', ProductVersionID: 6, TotalLicenses: 10, IssuedLicenses: 4, AvailableLicenses: 6 };
  const server = { FirstName: 'Ana', LastName: 'Diaz', Company: 'Contoso SARL', ServerRole: 1, ProductId: '00490-1' };
  const layouts: Record<string, unknown> = {
    'one bare object per class with PSComputerName': [{ ...keyPack, PSComputerName: 'LIC01' }, { ...server, PSComputerName: 'LIC01', ActivationStatus: 0, sLicenseServerId: 'ABCDE-FGHJK' }],
    'keyed by machine': { LIC01: { KeyPacks: [keyPack], Server: server, Activation: { ReturnValue: 0, ActivationStatus: 0 }, Id: { sLicenseServerId: 'ABCDE-FGHJK' } } },
    'keyed by role, with CimClass objects and no property hints': { LicenseServer: { name: { x: 1 }, items: [{ CimClass: { CimClassName: 'Win32_TSLicenseKeyPack' }, ...keyPack }, { CimClass: { CimClassName: 'Win32_TSLicenseServer' }, Company: 'Contoso SARL', FirstName: 'Ana', LastName: 'Diaz' }], methods: [{ ActivationStatus: 0 }, { sLicenseServerId: 'ABCDE-FGHJK' }] } },
    'WMI objects (__CLASS, __SERVER) nested deep': { report: { data: { rows: [{ __CLASS: 'Win32_TSLicenseKeyPack', __SERVER: 'LIC01', ...keyPack }, { __CLASS: 'Win32_TSLicenseServer', __SERVER: 'LIC01', ...server, ActivationStatus: 0, sLicenseServerId: 'ABCDE-FGHJK' }] } } },
  };
  for (const [name, json] of Object.entries(layouts)) {
    it(`finds the license server, its activation and its key pack: ${name}`, () => {
      const r = importWindowsFiles([file('export.json', utf16(JSON.stringify(json)))]);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      const ls = r.value.machines.filter((m) => m.roles.includes('license-server'));
      expect(ls).toHaveLength(1);
      expect(ls[0]).toMatchObject({ activationStatus: 0, licenseServerId: 'ABCDE-FGHJK', contact: { company: 'Contoso SARL' } });
      expect(ls[0]!.keyPacks).toEqual([expect.objectContaining({ total: 10, issued: 4, available: 6, productVersionId: 6, productType: 0 })]);
    });
  }

  it('a JSON file about something else is ignored, and a folder of only such files is refused', () => {
    const r = importWindowsFiles([file('other.json', utf8('{"printers": [{"name": "HP"}]}'))]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('IMPORT_NOTHING_RECOGNISED');
  });

  it("a bundle of another schema version is refused, naming the file, the line and what to do (in French too)", () => {
    const r = importWindowsFiles([file('b.json', utf8('{\n  "schema": "opencal.windows-collector/9",\n  "machine": {}\n}'))], 'fr');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'IMPORT_BUNDLE_SCHEMA_UNSUPPORTED', detail: { file: 'b.json', line: 2 } });
      expect(r.error.message).toContain('ligne 2');
      expect(messageFor(r.error, 'fr', 'cli')).toContain('opencal host emit --format collector');
      expect(messageFor(r.error, 'fr', 'console')).not.toContain('opencal host');
    }
  });

  it('real Microsoft license server IDs are accepted as they are, without OpenCAL check digits', () => {
    const id = '00000-11111-22222-33333-44444-55555-66666';
    const r = importWindowsFiles([file('ls.json', utf8(JSON.stringify({ ...server, ActivationStatus: 0, sLicenseServerId: id })))]);
    expect(r.ok && r.value.machines[0]!.licenseServerId).toBe(id);
  });
});

describe('fuzzed and truncated exports give a typed refusal naming the file and the line, never a crash', () => {
  const all = ['reinstalled-2019', 'host-2019-on-ls-2016'].flatMap((s) => [...fixtureFiles(s, 'raw'), ...fixtureFiles(s, 'bundle')]);
  const checkOutcome = (files: InputFile[]) => {
    const r = importWindowsFiles(files);
    if (!r.ok) {
      expect(IMPORT_REFUSAL_CODES).toContain(r.error.code);
      expect(typeof r.error.detail.file).toBe('string');
      expect(r.error.detail.line).toBeGreaterThanOrEqual(1);
      expect(r.error.message).toContain(String(r.error.detail.file));
    }
    return r;
  };

  it('any export cut at any byte', () => {
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.double({ min: 0, max: 1, noNaN: true }), (f, at) => {
        const cut = f.bytes.subarray(0, Math.floor(f.bytes.length * at));
        checkOutcome([file(f.name, cut)]);
      }),
      { numRuns: 300 },
    );
  });

  it('a JSON or XML export cut in the middle is refused as cut, with the line where it stops', () => {
    for (const f of all.filter((x) => /\.(json|xml)$/.test(x.name))) {
      const text = decodeSource(f.name, f.bytes);
      if (!text.ok) throw new Error(f.name);
      // Off the middle by a few characters: a wevtutil export cut exactly between two events is a shorter export.
      const half = text.value.text.slice(0, Math.floor(text.value.text.length / 2) + 3);
      const r = checkOutcome([file(f.name, utf8(half))]);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(['IMPORT_JSON_INVALID', 'IMPORT_XML_INVALID']).toContain(r.error.code);
        expect(r.error.detail.line).toBe(half.split('\n').length);
      }
    }
  });

  it('exports with bytes flipped, inserted or removed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'remove')), { minLength: 1, maxLength: 8 }), (f, edits) => {
        const bytes = [...f.bytes];
        for (const [pos, b, op] of edits) {
          const i = bytes.length === 0 ? 0 : pos % bytes.length;
          if (op === 'flip') bytes[i] = b;
          else if (op === 'insert') bytes.splice(i, 0, b);
          else bytes.splice(i, 1);
        }
        checkOutcome([file(f.name, new Uint8Array(bytes))]);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes and arbitrary JSON', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => void checkOutcome([file('random.bin', bytes)])), { numRuns: 300 });
    fc.assert(fc.property(fc.jsonValue(), (v) => void checkOutcome([file('random.json', utf16(JSON.stringify(v) ?? 'null'))])), { numRuns: 300 });
  });
});
