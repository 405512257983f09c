/**
 * Genuine signed documents for session host tests: a clearinghouse root key, license server identities,
 * certificates, grants, CAL tokens and revocation lists, signed with src/trust exactly as the real components do.
 */
import { createServer } from 'node:net';
import type { CalBundle, CalTokenPayload, GrantPayload, RevocationListPayload, ServerCertificatePayload } from '../../src/core/protocol';
import { base64urlEncode, clearinghouseKid, generateIdentity, publicKeyToJwk, signJws, withKid, type Identity } from '../../src/trust/index';

let serial = 0;
export const sec = (d: Date) => Math.floor(d.getTime() / 1000);
export const DAY = 86_400;

export interface Authority {
  root: Identity;
  anchor: { keys: ReturnType<typeof publicKeyToJwk>[]; fingerprint: string };
}

export function makeAuthority(): Authority {
  const base = generateIdentity();
  const root = withKid(base, clearinghouseKid(base.publicKeyRaw));
  return { root, anchor: { keys: [publicKeyToJwk(root.publicKeyRaw, root.kid)], fingerprint: root.kid } };
}

export function certificate(authority: Authority, server: Identity, now: Date, over: Partial<ServerCertificatePayload> = {}): Promise<string> {
  const payload: ServerCertificatePayload = {
    typ: 'opencal.certificate',
    sub: server.kid,
    pub: base64urlEncode(server.publicKeyRaw),
    org: 'org-1',
    method: 'auto',
    serverVersion: 2025,
    serial: 1,
    iat: sec(now),
    exp: sec(now) + 365 * DAY,
    ...over,
  };
  return signJws(authority.root, payload);
}

export function grant(authority: Authority, server: Identity, now: Date, over: Partial<GrantPayload> = {}): Promise<string> {
  const payload: GrantPayload = {
    typ: 'opencal.grant',
    sub: server.kid,
    pack: 7,
    seq: 1,
    calType: 'device',
    calVersion: 2019,
    count: 10,
    program: 'retail',
    iat: sec(now),
    ...over,
  };
  return signJws(authority.root, payload);
}

export function calToken(server: Identity, now: Date, over: Partial<CalTokenPayload> = {}): Promise<string> {
  const payload: CalTokenPayload = {
    typ: 'opencal.cal',
    iss: server.kid,
    jti: `cal-${++serial}`,
    kind: 'permanent',
    calType: 'device',
    calVersion: 2019,
    pack: 7,
    grant: 1,
    device: 'PC-01',
    hwid: 'hw-01',
    iat: sec(now),
    exp: sec(now) + 60 * DAY,
    ...over,
  };
  return signJws(server, payload);
}

/** A complete permanent bundle: token + certificate + grant, all consistent. */
export async function permanentBundle(
  authority: Authority,
  server: Identity,
  now: Date,
  over: Partial<CalTokenPayload> = {},
): Promise<CalBundle> {
  const calVersion = over.calVersion ?? 2019;
  return {
    token: await calToken(server, now, { ...over, calVersion }),
    certificate: await certificate(authority, server, now),
    grant: await grant(authority, server, now, { calVersion, pack: over.pack ?? 7, seq: over.grant ?? 1 }),
  };
}

export function revocationList(authority: Authority, now: Date, over: Partial<RevocationListPayload> = {}): Promise<string> {
  const payload: RevocationListPayload = { typ: 'opencal.revocations', seq: 1, iat: sec(now), servers: [], grants: [], ...over };
  return signJws(authority.root, payload);
}

/** A loopback port nothing listens on: a license server that is down. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
