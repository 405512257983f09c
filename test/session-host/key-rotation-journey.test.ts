/**
 * A full rotation of the clearinghouse keys (DESIGN §4 "keys rotate"), end to end over HTTP on 127.0.0.1: a CAL
 * issued before the rotation (certificate and grant signed by the first key) and one issued after it (a grant
 * signed by the new key) are both honoured by the session host; the license server and the session host take the
 * rotated set because the key they trusted endorses it. Then the first key is revoked: what it signed is refused,
 * the clearinghouse has signed the certificate and grant again, and the device gets a CAL that verifies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/core/clock';
import { createClearinghouse, type Clearinghouse } from '../../src/clearinghouse/module';
import { connect, readStore } from '../../src/device/index';
import { queryEvents } from '../../src/events/event-log';
import { createLicenseServer, type LicenseServer } from '../../src/license-server/module';
import { randomBytes } from '../../src/platform/random';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { decodeJwsUnverified, generateIdentity, verifyJws } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { serve, type Served } from '../helpers/serve';

const START = new Date('2025-03-01T09:00:00.000Z');
const ADMIN = 'ch-admin-token-0123456789';
const COMPANY = { firstName: 'Claire', lastName: 'Martin', company: 'Atelier Dupont', country: 'FR' };

const kidOf = (jws: string | undefined) => {
  const d = decodeJwsUnverified(jws ?? '');
  return d.ok ? d.value.header.kid : undefined;
};

describeEachDatabase('a clearinghouse key rotation, from the session host', (tdb) => {
  let clock: ManualClock;
  let ch: Clearinghouse;
  let chHttp: Served;
  let dir: string;
  const closers: (() => Promise<void>)[] = [];

  async function call(method: 'GET' | 'POST', path: string, body: unknown, token: string) {
    const res = await fetch(chHttp.url + '/ch/v1' + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  beforeEach(async () => {
    clock = new ManualClock(START);
    dir = mkdtempSync(join(tmpdir(), 'opencal-rotation-'));
    ch = await createClearinghouse({ database: await tdb.open(), clock, random: randomBytes, identity: generateIdentity(), adminToken: ADMIN });
    chHttp = await serve(ch.module);
    closers.push(() => chHttp.close(), () => ch.close());
  });
  afterEach(async () => {
    while (closers.length) await closers.pop()!();
    rmSync(dir, { recursive: true, force: true });
  });

  it('CALs issued before and after a rotation are both honoured; after the old key is revoked its documents are refused and signed again', async () => {
    const org = await call('POST', '/orgs', { name: 'Atelier Dupont' }, ADMIN);
    const pack = (count: number) =>
      call('POST', '/packs', { orgId: org.body.orgId, program: 'select', agreementNumber: '1234567', calType: 'device', calVersion: 2019, count }, ADMIN);
    const before = await pack(1);
    const after = await pack(5);

    const ls: LicenseServer = await createLicenseServer({ dataDir: join(dir, 'ls'), database: await tdb.open(), clock, random: randomBytes, serverVersion: 2019, clearinghouseUrl: chHttp.url });
    const lsHttp = await serve(ls.module);
    closers.push(() => lsHttp.close(), () => ls.close());
    expect(await ls.useCases.activate({ method: 'auto', orgToken: org.body.token, company: COMPANY })).toMatchObject({ ok: true });
    expect(await ls.useCases.installByPackKey({ packKey: before.body.packKey, agreementNumber: '1234567' })).toMatchObject({ ok: true });

    const host: SessionHost = await createSessionHost({ database: await tdb.open(), clock, hostName: 'RDSH-01', hostVersion: 2019, directory: 'domain', clearinghouseUrl: chHttp.url, refreshIntervalMs: 0 });
    const shHttp = await serve(host.module);
    closers.push(() => shHttp.close(), () => host.close());
    const credential = (await host.useCases.createGateCredential('device client')).token;
    expect((await host.useCases.setLayer({ layer: 'policy', mode: 'per-device', licenseServers: [lsHttp.url] })).ok).toBe(true);
    const joinToken = await ls.useCases.createJoinToken({ name: 'RDSH-01' });
    if (!joinToken.ok) throw new Error(joinToken.error.message);
    expect(await host.useCases.enroll(lsHttp.url, joinToken.value.joinToken)).toMatchObject({ ok: true });
    const fingerprint = (await host.useCases.status()).trustAnchor?.fingerprint;
    expect(fingerprint).toBeDefined();

    const pc = (name: string) => ({ name, storePath: join(dir, `${name}.json`), clock, credential });
    const bundleOf = (name: string) => readStore(join(dir, `${name}.json`)).cals[0]!;

    // Before the rotation: PC-01 holds a permanent CAL on the first key's certificate and grant (the 1-CAL pack).
    expect(await connect(shHttp.url, pc('PC-01'))).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    expect(await connect(shHttp.url, pc('PC-01'))).toMatchObject({ ok: true, value: { cal: { kind: 'permanent' } } });
    const keys0 = await call('GET', '/keys', undefined, ADMIN);
    const first = keys0.body.keys[0].kid as string;
    expect(kidOf(bundleOf('PC-01').bundle.grant)).toBe(first);

    // The rotation: a second key signs from now; the first is retired, not revoked.
    const rotated = await call('POST', '/keys/rotate', undefined, ADMIN);
    expect(rotated.status).toBe(200);
    const second = rotated.body.kid as string;
    expect(rotated.body.keys.map((k: { kid: string; status: string }) => [k.kid, k.status])).toEqual([[first, 'retired'], [second, 'current']]);
    expect((await ch.useCases.events({ eventId: 9060 }))[0]?.data).toMatchObject({ kid: second });
    expect((await ch.useCases.auditOf(`key:${second}`)).map((r: { action: string }) => r.action)).toEqual(['keys.rotated']);

    // The license server takes the rotated set at check-in (endorsed by the key it pinned); a pack installed now
    // has a grant signed by the new key, and PC-02 (the 1-CAL pack is used) draws on it.
    clock.advance(DAY_MS);
    expect(await ls.checkIn()).toMatchObject({ ok: true });
    expect((await queryEvents(ls.database.db, { eventId: 9160 }))[0]?.data).toMatchObject({ endorsedBy: first });
    expect(await ls.useCases.installByPackKey({ packKey: after.body.packKey, agreementNumber: '1234567' })).toMatchObject({ ok: true });
    expect(await connect(shHttp.url, pc('PC-02'))).toMatchObject({ ok: true, value: { cal: { kind: 'temporary' } } });
    expect(await connect(shHttp.url, pc('PC-02'))).toMatchObject({ ok: true, value: { cal: { kind: 'permanent' } } });
    expect(kidOf(bundleOf('PC-02').bundle.grant)).toBe(second);

    // The session host takes the rotated set at its refresh; the pinned fingerprint (of the root key) is unchanged.
    const refreshed = await host.useCases.refresh();
    expect(refreshed.trustAnchor).toEqual({ fingerprint });
    expect((await queryEvents(host.context.database.db, { eventId: 9260 }))[0]?.data).toMatchObject({ endorsedBy: first });

    // Both CALs are honoured: the one signed before the rotation and the one signed after it.
    expect(await connect(shHttp.url, pc('PC-01'))).toMatchObject({ ok: true, value: { basis: 'presented', cal: { kind: 'permanent' } } });
    expect(await connect(shHttp.url, pc('PC-02'))).toMatchObject({ ok: true, value: { basis: 'presented', cal: { kind: 'permanent' } } });

    // The current key cannot be revoked; the first one can: its certificate and grant are signed again.
    expect((await call('POST', `/keys/${second}/revoke`, { reason: 'test' }, ADMIN)).body.error.code).toBe('KEY_IS_CURRENT');
    const revoked = await call('POST', `/keys/${first}/revoke`, { reason: 'key file leaked' }, ADMIN);
    expect(revoked.status).toBe(200);
    expect(revoked.body.resigned).toEqual({ certificates: 1, grants: 1 });
    expect((await call('GET', '/revocations', undefined, ADMIN)).status).toBe(200);
    expect((await ch.useCases.events({ eventId: 9061 }))[0]?.data).toMatchObject({ kid: first, certificates: 1, grants: 1 });

    // The session host learns the revocation at its refresh (endorsed by the second key, which it now trusts).
    expect((await host.useCases.refresh()).trustAnchor).toEqual({ fingerprint });
    // The license server receives the certificate and grant signed again at its check-in.
    expect(await ls.checkIn()).toMatchObject({ ok: true, value: { certificateReceived: true } });

    // PC-01 still holds the bundle the first key signed: it is not honoured any more (the session host's set names
    // the first key revoked), and the device receives a CAL whose certificate and grant the second key signed.
    const stale = bundleOf('PC-01').bundle;
    expect(await verifyJws(stale.certificate!, host.context.trust.anchor!, 'opencal.certificate')).toMatchObject({ ok: false, error: { code: 'JWS_KEY_REVOKED' } });
    const again = await connect(shHttp.url, pc('PC-01'));
    expect(again).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'permanent' } } });
    expect((await queryEvents(host.context.database.db, { eventId: 9209 }))[0]?.data).toMatchObject({ device: 'PC-01', code: 'CAL_CERTIFICATE_INVALID' });
    const renewed = bundleOf('PC-01').bundle;
    expect([kidOf(renewed.certificate), kidOf(renewed.grant)]).toEqual([second, second]);
    expect(await connect(shHttp.url, pc('PC-01'))).toMatchObject({ ok: true, value: { basis: 'presented' } });
    // PC-02's grant was signed by the second key, but its certificate by the first: it is renewed the same way.
    expect(await connect(shHttp.url, pc('PC-02'))).toMatchObject({ ok: true, value: { basis: 'issued', cal: { kind: 'permanent' } } });
    expect(await connect(shHttp.url, pc('PC-02'))).toMatchObject({ ok: true, value: { basis: 'presented' } });
  });

  it('a license server pinned to other keys refuses the clearinghouse key set at check-in, and keeps its pin', async () => {
    const org = await call('POST', '/orgs', { name: 'Atelier Dupont' }, ADMIN);
    const impostorPin = join(dir, 'pin.json');
    const pinned = generateIdentity();
    writeFileSync(impostorPin, Buffer.from(pinned.publicKeyRaw).toString('base64url'));
    const ls = await createLicenseServer({ dataDir: join(dir, 'ls'), database: await tdb.open(), clock, random: randomBytes, serverVersion: 2019, clearinghouseUrl: chHttp.url, clearinghouseKey: impostorPin });
    closers.push(() => ls.close());
    const before = ls.context.clearinghouse.cached()!.keySet.kids;
    // The activation answer's certificate is signed by a key the pin does not know, and nothing endorses it.
    expect(await ls.useCases.activate({ method: 'auto', orgToken: org.body.token, company: COMPANY })).toMatchObject({ ok: false });
    await ls.checkIn();
    expect((await queryEvents(ls.database.db, { eventId: 9161 }))[0]?.data).toMatchObject({ code: 'TRUST_ANCHOR_NOT_ENDORSED' });
    expect(ls.context.clearinghouse.cached()!.keySet.kids).toEqual(before);
  });
});
