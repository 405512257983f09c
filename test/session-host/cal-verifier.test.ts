import { beforeAll, describe, expect, it } from 'vitest';
import { verifyBundle, type VerifyContext } from '../../src/session-host/cal-verifier';
import { generateIdentity, keySetFromJwks, signJws, type Identity } from '../../src/trust/index';
import { calToken, certificate, DAY, grant, makeAuthority, permanentBundle, revocationList, sec, type Authority } from './signed-documents';
import { decodeJwsUnverified, verifyJws } from '../../src/trust/index';
import type { RevocationListPayload } from '../../src/core/protocol';

const NOW = new Date('2025-03-01T10:00:00.000Z');
let ch: Authority;
let ls: Identity;
let other: Identity;
let ctx: VerifyContext;

beforeAll(() => {
  ch = makeAuthority();
  ls = generateIdentity();
  other = generateIdentity();
  // A host of organization org-1 (the organization in the certificates signed-documents.ts makes by default).
  ctx = {
    now: NOW, device: 'PC-01', hwid: 'hw-01', hostVersion: 2019, mode: 'per-device', anchor: keySetFromJwks(ch.anchor), listedServers: new Map(),
    organization: 'org-1', firstSighting: sightings(),
  };
});

/** The host's record of first sightings of provisional packs (in memory here; sh.db in the session host). */
function sightings(): (serverId: string, pack: number) => Promise<Date> {
  const seen = new Map<string, Date>();
  return async (serverId, pack) => {
    const key = `${serverId}/${pack}`;
    if (!seen.has(key)) seen.set(key, NOW);
    return seen.get(key)!;
  };
}

async function code(bundle: unknown, over: Partial<VerifyContext> = {}) {
  const r = await verifyBundle(bundle, { ...ctx, ...over });
  return r.status === 'honoured' || r.status === 'ignored' ? r.status : r.refusal.code;
}

describe('offline verification of a presented CAL', () => {
  it('a permanent CAL with its certificate and grant, all genuine, is honoured', async () => {
    expect(await code(await permanentBundle(ch, ls, NOW))).toBe('honoured');
  });

  it('a temporary CAL of a listed license server that is not activated (no certificate) is verified with its published key', async () => {
    const token = await calToken(ls, NOW, { kind: 'temporary', pack: undefined, grant: undefined });
    expect(await code({ token }, { listedServers: new Map([[ls.kid, ls.publicKeyRaw]]) })).toBe('honoured');
    expect(await code({ token })).toBe('CAL_ISSUER_UNKNOWN');
  });

  it.each([
    ['a string that is not a JWS', { token: 'not-a-token' }],
    ['a bundle that is not an object', 'just text'],
    ['a JWS whose payload is not a CAL token', null],
  ])('%s is refused as malformed', async (_n, bundle) => {
    const input = bundle === null ? { token: await signJws(ls, { typ: 'opencal.grant', hello: 1 }) } : bundle;
    expect(await code(input)).toBe('CAL_TOKEN_MALFORMED');
  });

  it('a tampered CAL token (payload changed after signing) is refused as a bad signature', async () => {
    const b = await permanentBundle(ch, ls, NOW, { device: 'PC-02' });
    const [h, , s] = b.token.split('.');
    const decoded = decodeJwsUnverified(b.token);
    if (!decoded.ok) throw new Error('decode');
    const forgedPayload = Buffer.from(JSON.stringify({ ...decoded.value.payload, device: 'PC-01' })).toString('base64url');
    expect(await code({ ...b, token: `${h}.${forgedPayload}.${s}` })).toBe('CAL_SIGNATURE_INVALID');
  });

  it('a CAL forged with another key in the name of a certified license server is refused as a bad signature', async () => {
    const genuine = await permanentBundle(ch, ls, NOW);
    const forged = await signJws({ ...other, kid: ls.kid }, { typ: 'opencal.cal', iss: ls.kid, jti: 'x', kind: 'permanent', calType: 'device', calVersion: 2019, pack: 7, grant: 1, device: 'PC-01', hwid: 'hw-01', iat: sec(NOW), exp: sec(NOW) + 60 * DAY });
    expect(await code({ ...genuine, token: forged })).toBe('CAL_SIGNATURE_INVALID');
  });

  it('a certificate not signed by the clearinghouse, or for another server, is refused', async () => {
    const fake = makeAuthority();
    const b = await permanentBundle(ch, ls, NOW);
    expect(await code({ ...b, certificate: await certificate(fake, ls, NOW) })).toBe('CAL_CERTIFICATE_INVALID');
    expect(await code({ ...b, certificate: await certificate(ch, other, NOW) })).toBe('CAL_CERTIFICATE_INVALID');
  });

  it('a permanent CAL with a grant of another pack or a forged grant is refused', async () => {
    const b = await permanentBundle(ch, ls, NOW);
    expect(await code({ ...b, grant: await grant(ch, ls, NOW, { pack: 8 }) })).toBe('CAL_GRANT_INVALID');
    expect(await code({ ...b, grant: await grant(makeAuthority(), ls, NOW) })).toBe('CAL_GRANT_INVALID');
  });

  it.each([
    ['another device', { device: 'PC-99' }, 'CAL_WRONG_DEVICE'],
    ['another hardware ID', { hwid: 'hw-99' }, 'CAL_WRONG_HARDWARE_ID'],
    ['expired', { iat: sec(NOW) - 60 * DAY, exp: sec(NOW) - 1 }, 'CAL_EXPIRED'],
    ['future-dated', { iat: sec(NOW) + DAY }, 'CAL_NOT_YET_VALID'],
  ])('a genuine CAL for %s is refused with its own code', async (_n, over, expected) => {
    expect(await code(await permanentBundle(ch, ls, NOW, over))).toBe(expected);
  });

  it('a permanent CAL whose grant has not arrived yet (phone install) is honoured from a listed server or one of the organization, within the provisional window', async () => {
    const b = await permanentBundle(ch, ls, NOW);
    const grantless = { token: b.token, certificate: b.certificate };
    const listed = { listedServers: new Map([[ls.kid, ls.publicKeyRaw]]) };
    expect(await code(grantless, { organization: undefined })).toBe('CAL_GRANT_MISSING');
    expect(await code(grantless, { organization: undefined, ...listed })).toBe('honoured');
    expect(await code(grantless)).toBe('honoured');
    expect(await code({ token: b.token }, listed)).toBe('honoured');
    // first seen at NOW: honoured through day 14, not after
    expect(await code(grantless, { now: new Date(NOW.getTime() + 14 * DAY * 1000) })).toBe('honoured');
    expect(await code(grantless, { now: new Date(NOW.getTime() + 14 * DAY * 1000 + 1000) })).toBe('CAL_PROVISIONAL_WINDOW_OVER');
    expect(await code(grantless, { now: new Date(NOW.getTime() + 20 * DAY * 1000), provisionalWindowDays: 30 })).toBe('honoured');
    // without a record of first sightings the window cannot be measured: not honoured
    expect(await code(grantless, { firstSighting: undefined })).toBe('CAL_PROVISIONAL_WINDOW_OVER');
    // the genuine grant makes the window irrelevant
    expect(await code(b, { now: new Date(NOW.getTime() + 30 * DAY * 1000) })).toBe('honoured');
  });

  it('organization B\'s genuine key signing {kind: "user", calType: "device", exp: +50 years} is refused as a forgery, not merely not honoured', async () => {
    const b = makeAuthority(); // a clearinghouse is not needed to forge: B's own certified key is enough
    const bServer = generateIdentity();
    const forged = {
      token: await calToken(bServer, NOW, { kind: 'user', calType: 'device', exp: sec(NOW) + 50 * 365 * DAY, pack: undefined, grant: undefined }),
      certificate: await certificate(ch, bServer, NOW, { org: 'org-B' }),
    };
    expect(await code(forged)).toBe('CAL_KIND_TYPE_INVALID');
    const r = await verifyBundle(forged, ctx);
    expect(r.status).toBe('bad');
    // with a kind/type pair that exists, the life is what gives it away; and with a plausible life, the organization
    const longLived = { ...forged, token: await calToken(bServer, NOW, { kind: 'temporary', exp: sec(NOW) + 50 * 365 * DAY, pack: undefined, grant: undefined }) };
    expect(await code(longLived)).toBe('CAL_LIFETIME_EXCEEDED');
    const plausible = { ...forged, token: await calToken(bServer, NOW, { kind: 'temporary', exp: sec(NOW) + 90 * DAY, pack: undefined, grant: undefined }) };
    expect(await code(plausible)).toBe('CAL_ISSUER_OTHER_ORGANIZATION');
    expect(await code(await certificate(b, bServer, NOW).then((c) => ({ ...plausible, certificate: c })))).toBe('CAL_CERTIFICATE_INVALID');
  });

  it.each([
    ['temporary', 90],
    ['permanent', 89],
    ['user', 60],
  ] as const)('a %s CAL lives at most %i days (plus the clock leeway)', async (kind, days) => {
    const calType = kind === 'user' ? 'user' : 'device';
    const over = { kind, calType, user: kind === 'user' ? 'alice' : undefined, ...(kind === 'permanent' ? {} : { pack: undefined, grant: undefined }) } as const;
    const bundle = async (seconds: number) =>
      kind === 'permanent'
        ? permanentBundle(ch, ls, NOW, { exp: sec(NOW) + seconds })
        : { token: await calToken(ls, NOW, { ...over, exp: sec(NOW) + seconds }), certificate: await certificate(ch, ls, NOW) };
    const mode = kind === 'user' ? { mode: 'per-user' as const, user: 'alice' } : {};
    expect(await code(await bundle(days * DAY + 300), mode)).toBe('honoured');
    expect(await code(await bundle(days * DAY + 301), mode)).toBe('CAL_LIFETIME_EXCEEDED');
    expect(await code(await bundle(days * DAY + 301), { ...mode, leewaySeconds: 600 })).toBe('honoured');
  });

  it('a CAL of a certified license server of another organization is not honoured, listed or not', async () => {
    const b = await permanentBundle(ch, other, NOW);
    const foreign = { ...b, certificate: await certificate(ch, other, NOW, { org: 'org-2' }) };
    expect(await code(foreign)).toBe('CAL_ISSUER_OTHER_ORGANIZATION');
    expect(await code(foreign, { listedServers: new Map([[other.kid, other.publicKeyRaw]]) })).toBe('CAL_ISSUER_OTHER_ORGANIZATION');
    expect(await code(b)).toBe('honoured');
  });

  it('while the host does not know its organization, only listed license servers are trusted', async () => {
    const b = await permanentBundle(ch, ls, NOW);
    expect(await code(b, { organization: undefined })).toBe('CAL_ISSUER_NOT_LISTED');
    expect(await code(b, { organization: undefined, listedServers: new Map([[ls.kid, ls.publicKeyRaw]]) })).toBe('honoured');
  });

  it('a 2019 session host refuses a 2016 CAL and accepts a 2022 one', async () => {
    expect(await code(await permanentBundle(ch, ls, NOW, { calVersion: 2016 }))).toBe('CAL_VERSION_TOO_OLD');
    expect(await code(await permanentBundle(ch, ls, NOW, { calVersion: 2022 }))).toBe('honoured');
  });

  it('CALs named by the revocation list are not honoured: an invalidated server, or a pack reissued elsewhere', async () => {
    const b = await permanentBundle(ch, ls, NOW);
    const list = async (over: Partial<RevocationListPayload>) => {
      const v = await verifyJws<RevocationListPayload>(await revocationList(ch, NOW, over), keySetFromJwks(ch.anchor), 'opencal.revocations');
      if (!v.ok) throw new Error('list');
      return v.value.payload;
    };
    expect(await code(b, { revocations: await list({ grants: [{ serverId: ls.kid, pack: 7, seq: 1, at: sec(NOW), caseNumber: 'CH-000001' }] }) })).toBe('CAL_GRANT_REVOKED');
    expect(await code(b, { revocations: await list({ servers: [{ serverId: ls.kid, at: sec(NOW), reason: 'reinstalled' }] }) })).toBe('CAL_SERVER_INVALIDATED');
  });

  it('without a trust anchor a permanent CAL cannot be verified offline and is not honoured', async () => {
    const b = await permanentBundle(ch, ls, NOW);
    expect(await code(b, { anchor: undefined })).toBe('TRUST_ANCHOR_UNAVAILABLE');
  });

  it('in per-user mode, a user CAL of another user on a shared device is ignored, and the right user is honoured', async () => {
    const token = await calToken(ls, NOW, { kind: 'user', calType: 'user', user: 'alice', pack: undefined, grant: undefined });
    const cert = await certificate(ch, ls, NOW);
    expect(await code({ token, certificate: cert }, { mode: 'per-user', user: 'bob' })).toBe('ignored');
    expect(await code({ token, certificate: cert }, { mode: 'per-user', user: 'Alice' })).toBe('honoured');
  });
});
