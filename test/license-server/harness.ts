/**
 * Test harness for the license server: a real license server on a test database, and a test clearinghouse
 * identity that makes the offline codes (activation confirmation, key pack ID) and signed documents exactly as
 * the clearinghouse does (encodeCode with codeMacKey, signJws with the root key).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/core/clock';
import { dayNumber, encodeCode } from '../../src/core/codes/index';
import type { DocumentsPayload, GrantPayload, RevocationListPayload, ServerCertificatePayload } from '../../src/core/protocol';
import type { DocumentsFile } from '../../src/core/wire/clearinghouse';
import type { CalType, CalVersion, Program, ServerVersion } from '../../src/core/vocabulary';
import { createLicenseServer, licenseDatabaseUrl, type LicenseServer, type LicenseServerOptions } from '../../src/license-server/module';
import { randomBytes } from '../../src/platform/random';
import { openDatabase, type Database } from '../../src/storage/database';
import { base64urlDecode, base64urlEncode, clearinghouseKid, codeMacKey, generateIdentity, signJws, withKid, type Identity } from '../../src/trust/index';

export const START = new Date('2025-03-03T09:00:00.000Z');

export interface TestClearinghouse {
  identity: Identity;
  key: string;
  macKeyFor(ls: LicenseServer): Uint8Array;
  confirmation(ls: LicenseServer, serial?: number, validDays?: number): string;
  keyPackId(ls: LicenseServer, p: { packNumber: number; calType?: CalType; calVersion?: CalVersion; count: number; program?: Program; grantSeq?: number }): string;
  grant(ls: LicenseServer, p: { pack: number; seq?: number; calType?: CalType; calVersion?: CalVersion; count: number; program?: Program }): Promise<string>;
  revocations(list: Omit<RevocationListPayload, 'typ' | 'iat'>): Promise<string>;
  certificate(ls: LicenseServer, serial?: number): Promise<string>;
  /** the signed file `opencal ch export` writes for a server (`licmgr import FILE`). */
  documentsFile(ls: LicenseServer, d: { certificate?: string; grants: string[]; revocations?: string; status?: string; sub?: string }): Promise<DocumentsFile>;
}

export function testClearinghouse(clock: ManualClock): TestClearinghouse {
  const base = generateIdentity();
  const identity = withKid(base, clearinghouseKid(base.publicKeyRaw));
  const lsRaw = (ls: LicenseServer) => base64urlDecode(ls.context.publicKey);
  const macKeyFor = (ls: LicenseServer) => codeMacKey(identity, lsRaw(ls));
  return {
    identity,
    key: base64urlEncode(identity.publicKeyRaw),
    macKeyFor,
    confirmation: (ls, serial = 1, validDays = 365) =>
      encodeCode('activationConfirmation', { serial, validUntilDay: dayNumber(clock.now()) + validDays }, macKeyFor(ls)),
    keyPackId: (ls, p) =>
      encodeCode(
        'keyPackId',
        { packNumber: p.packNumber, calType: p.calType ?? 'device', calVersion: p.calVersion ?? 2019, count: p.count, program: p.program ?? 'retail', grantSeq: p.grantSeq ?? 1 },
        macKeyFor(ls),
      ),
    grant: (ls, p) => {
      const payload: GrantPayload = {
        typ: 'opencal.grant', sub: ls.serverId, pack: p.pack, seq: p.seq ?? 1, calType: p.calType ?? 'device', calVersion: p.calVersion ?? 2019,
        count: p.count, program: p.program ?? 'retail', iat: Math.floor(clock.now().getTime() / 1000),
      };
      return signJws(identity, payload);
    },
    revocations: (list) => signJws(identity, { typ: 'opencal.revocations', iat: Math.floor(clock.now().getTime() / 1000), ...list }),
    certificate: (ls, serial = 1) => {
      const iat = Math.floor(clock.now().getTime() / 1000);
      const payload: ServerCertificatePayload = {
        typ: 'opencal.certificate', sub: ls.serverId, pub: ls.context.publicKey, org: 'org-test', method: 'phone', serverVersion: ls.context.serverVersion,
        serial, iat, exp: iat + 730 * 86_400,
      };
      return signJws(identity, payload);
    },
    documentsFile: async (ls, d) => {
      const iat = Math.floor(clock.now().getTime() / 1000);
      const revocations = d.revocations ?? (await signJws(identity, { typ: 'opencal.revocations', iat, seq: 0, servers: [], grants: [] }));
      const payload: DocumentsPayload = {
        typ: 'opencal.documents', sub: d.sub ?? ls.serverId, status: d.status ?? 'activated', grants: d.grants, revocations, iat,
        ...(d.certificate ? { certificate: d.certificate } : {}),
      };
      return { type: 'opencal.documents', serverId: d.sub ?? ls.serverId, exportedAt: clock.now().toISOString(), signed: await signJws(identity, payload) };
    },
  };
}

export interface Harness {
  ls: LicenseServer;
  ch: TestClearinghouse;
  clock: ManualClock;
  dataDir: string;
  close(): Promise<void>;
}

export async function startLicenseServer(
  database: Database | undefined,
  options: Partial<LicenseServerOptions> & { serverVersion?: ServerVersion; ch?: TestClearinghouse; clock?: ManualClock } = {},
): Promise<Harness> {
  const clock = options.clock ?? new ManualClock(START);
  const ch = options.ch ?? testClearinghouse(clock);
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opencal-ls-'));
  // The test is the composition root: it opens the license database of the data directory when none is given.
  const opened = database ? undefined : await openDatabase(licenseDatabaseUrl(dataDir));
  const ls = await createLicenseServer({
    dataDir,
    database: (database ?? opened)!,
    clock,
    random: randomBytes,
    serverVersion: options.serverVersion ?? 2019,
    clearinghouseKey: options.clearinghouseUrl ? undefined : ch.key,
    ...options,
  });
  return {
    ls, ch, clock, dataDir,
    async close() {
      await ls.close();
      await opened?.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Activate by phone and install a device pack by key pack ID: the offline path of the seed. */
export async function activatedWithPack(h: Harness, packs: { packNumber: number; count: number; calVersion?: CalVersion; calType?: CalType }[]): Promise<void> {
  const activated = await h.ls.useCases.activate({ method: 'phone', confirmation: h.ch.confirmation(h.ls) });
  if (!activated.ok) throw new Error(activated.error.message);
  for (const p of packs) {
    const installed = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(h.ls, p), method: 'phone' });
    if (!installed.ok) throw new Error(installed.error.message);
  }
}

/**
 * The site's signed documents arrive (here by the import file; a check-in delivers the same): the certificate of the
 * phone activation and the grants of the key packs, which ends their provisional window (docs/codes.md).
 */
export async function withSignedDocuments(h: Harness, packs: { packNumber: number; count: number; calVersion?: CalVersion; calType?: CalType }[]): Promise<void> {
  const grants = await Promise.all(packs.map((p) => h.ch.grant(h.ls, { pack: p.packNumber, count: p.count, calVersion: p.calVersion, calType: p.calType })));
  const file = await h.ch.documentsFile(h.ls, { certificate: await h.ch.certificate(h.ls), grants });
  const imported = await h.ls.useCases.importDocuments(file);
  if (!imported.ok) throw new Error(imported.error.message);
}

export function device(n: number, host = 'h') {
  return { device: `${host}-pc-${n}`, hwid: `hwid-${host}-${n}` };
}

/** First connection, logon validated, second connection: what a session host does for one device. */
export async function connectTwice(ls: LicenseServer, hostName: string, d: { device: string; hwid: string }, hostVersion: CalVersion = 2019) {
  const first = await ls.useCases.requestCal(hostName, { ...d, mode: 'per-device', hostVersion });
  if (!first.ok) return first;
  if (first.value.kind === 'temporary') {
    const jti = JSON.parse(Buffer.from(first.value.bundle.token.split('.')[1]!, 'base64url').toString()).jti as string;
    await ls.useCases.validateCal(hostName, jti);
  }
  return ls.useCases.requestCal(hostName, { ...d, mode: 'per-device', hostVersion });
}

export function jtiOf(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).jti as string;
}
