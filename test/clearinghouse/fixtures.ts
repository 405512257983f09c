/**
 * Test fixtures for the clearinghouse: a real clearinghouse on a test database behind buildServer (HTTP via
 * inject), and fake license servers with real Ed25519 identities that make real signed requests and codes.
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/core/clock';
import { dayNumber, encodeCode, productIdFromPublicKey, serverIdPrefix } from '../../src/core/codes/index';
import { CHAIN_GENESIS, receiptHash } from '../../src/core/fork-rules';
import type { SignedRequestPayload } from '../../src/core/protocol';
import type { MigrationReason } from '../../src/core/vocabulary';
import { createClearinghouse, type Clearinghouse, type ClearinghouseOptions } from '../../src/clearinghouse/module';
import type { ClearinghouseConfig } from '../../src/clearinghouse/context';
import { buildServer, type TypedApp } from '../../src/http/server';
import { clearinghouseMigrations } from '../../src/clearinghouse/migrations';
import type { Database } from '../../src/storage/database';
import type { TestDatabase } from '../helpers/databases';
import { base64urlDecode, base64urlEncode, codeMacKey, generateIdentity, signJws, type Identity } from '../../src/trust/index';

export const START = new Date('2025-03-01T09:00:00Z');
export const random = (n: number) => new Uint8Array(randomBytes(n));
export const COMPANY = { firstName: 'Claire', lastName: 'Martin', company: 'Atelier Dupont', country: 'FR' };

export interface Harness {
  ch: Clearinghouse;
  app: TypedApp;
  clock: ManualClock;
  adminToken: string;
  rootPublicRaw: Uint8Array;
  call<T = any>(method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
}

export async function startClearinghouse(
  database: Database,
  options: { clock?: ManualClock; identity?: Identity; config?: Partial<ClearinghouseConfig>; adminToken?: string; alerts?: ClearinghouseOptions['alerts'] } = {},
): Promise<Harness> {
  const clock = options.clock ?? new ManualClock(START);
  const identity = options.identity ?? generateIdentity();
  const ch = await createClearinghouse({ database, clock, random, identity, config: options.config, adminToken: options.adminToken ?? 'test-admin-token-0123456789', ...(options.alerts ? { alerts: options.alerts } : {}) });
  const app = await buildServer({ logger: false, components: [ch.module] });
  const call = async (method: 'GET' | 'POST', url: string, body?: unknown, token?: string) => {
    const res = await app.inject({
      method,
      url: `/ch/v1${url}`,
      ...(body !== undefined ? { payload: body as object } : {}),
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  return { ch, app, clock, adminToken: options.adminToken ?? 'test-admin-token-0123456789', rootPublicRaw: identity.publicKeyRaw, call };
}

/** A license server as the clearinghouse sees it: its own identity, signed requests, and the codes it makes. */
export class FakeLicenseServer {
  readonly identity = generateIdentity();
  readonly serverId = this.identity.kid;
  readonly productId = productIdFromPublicKey(this.identity.publicKeyRaw);
  readonly instanceId = base64urlEncode(random(8));
  /** its check-in chain, as a license server keeps it beside its identity key (trust/chain-state.ts). */
  chain = { counter: 0, receiptHash: CHAIN_GENESIS };

  constructor(
    private readonly clock: ManualClock,
    private readonly rootPublicRaw: Uint8Array,
  ) {}

  async signed(action: string, body: unknown): Promise<{ request: string }> {
    const payload: SignedRequestPayload = {
      typ: 'opencal.request',
      action,
      sub: this.serverId,
      pub: base64urlEncode(this.identity.publicKeyRaw),
      aud: 'clearinghouse',
      iat: Math.floor(this.clock.now().getTime() / 1000),
      nonce: base64urlEncode(random(16)),
      body,
    };
    return { request: await signJws(this.identity, payload) };
  }

  macKey(): Uint8Array {
    return codeMacKey(this.identity, this.rootPublicRaw);
  }

  migrationCode(reason: MigrationReason = 'reinstalled', source?: FakeLicenseServer): string {
    return encodeCode(
      'migrationCode',
      { target: serverIdPrefix(this.serverId), source: source ? serverIdPrefix(source.serverId, 40) : 0n, reason, day: dayNumber(this.clock.now()) },
      this.macKey(),
    );
  }

  /** the serial of its latest activation (from its certificate), which its deactivation receipts bind. */
  activationSerial = 0;

  receipt(activationSerial = this.activationSerial): string {
    return encodeCode('deactivationReceipt', { server: serverIdPrefix(this.serverId), day: dayNumber(this.clock.now()) }, this.macKey(), { activationSerial });
  }
}

/** An organization with a token, and a 10-CAL RDS 2019 per-device Select pack (the source document's). */
export async function orgWithPack(h: Harness, pack: Record<string, unknown> = {}) {
  const org = await h.call('POST', '/orgs', { name: 'Atelier Dupont' }, h.adminToken);
  const p = await h.call(
    'POST',
    '/packs',
    { orgId: org.body.orgId, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, count: 10, ...pack },
    h.adminToken,
  );
  if (org.status !== 200 || p.status !== 200) throw new Error(`setup failed: ${JSON.stringify([org.body, p.body])}`);
  return { orgId: org.body.orgId as string, orgToken: org.body.token as string, packNumber: p.body.packNumber as number, packKey: p.body.packKey as string };
}

export type OrgWithPack = Awaited<ReturnType<typeof orgWithPack>>;

/** A fresh clearinghouse database, the clearinghouse started on it, and an organization that bought a pack. */
export async function clearinghouseWithPack(tdb: Pick<TestDatabase, 'open'>): Promise<{ database: Database; h: Harness; pack: OrgWithPack }> {
  const database = await tdb.open(clearinghouseMigrations);
  const h = await startClearinghouse(database);
  return { database, h, pack: await orgWithPack(h) };
}

export async function activate(h: Harness, ls: FakeLicenseServer, orgToken: string, serverVersion = 2019) {
  const r = await h.call('POST', '/servers/activate', await ls.signed('activate', { company: COMPANY, serverVersion }), orgToken);
  if (r.status !== 200) throw new Error(`activation failed: ${JSON.stringify(r.body)}`);
  ls.activationSerial = payloadOf(r.body.certificate).serial;
  return r.body.certificate as string;
}

export async function install(h: Harness, ls: FakeLicenseServer, packKey: string, data: Record<string, string> = { agreementNumber: '1234567' }) {
  return h.call('POST', '/servers/install', await ls.signed('install', { packKey, ...data }));
}

/**
 * A check-in as a license server makes it: the next link of its chain (or `link` as given), keeping the receipt
 * it gets, as the license server does.
 */
export async function checkIn(
  h: Harness,
  ls: FakeLicenseServer,
  packs: { pack: number; seq: number; issued: number }[] = [],
  link: { counter: number; prev: string; attempt: string } = { counter: ls.chain.counter + 1, prev: ls.chain.receiptHash, attempt: base64urlEncode(random(8)) },
) {
  const r = await h.call('POST', '/servers/check-in', await ls.signed('check-in', { instanceId: ls.instanceId, packs, chain: link }));
  if (r.status === 200 && typeof r.body.receipt === 'string') ls.chain = { counter: payloadOf(r.body.receipt).counter, receiptHash: receiptHash(r.body.receipt) };
  return r;
}

export async function agent(h: Harness) {
  const r = await h.call('POST', '/agents', { name: 'Desk 1' }, h.adminToken);
  return r.body.token as string;
}

export function payloadOf(jws: string): any {
  return JSON.parse(new TextDecoder().decode(base64urlDecode(jws.split('.')[1]!)));
}
