/**
 * The license server's side of provisional codes (docs/codes.md), with the test clearinghouse of the harness: the
 * default window when the anchor is a bare key, and a grant that says other than the key pack typed in.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock';
import { queryEvents } from '../../src/events/event-log';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { activatedWithPack, connectTwice, device, startLicenseServer, type Harness } from './harness';

describeEachDatabase('provisional activations and key packs', (tdb) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startLicenseServer(await tdb.open(licenseServerMigrations));
  });
  afterEach(() => h.close());

  it('with a bare key as trust anchor the window is 14 days: on the 14th day the key pack still issues, after it neither it nor the activation counts', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 10 }]);
    const status = await h.ls.useCases.status();
    expect(new Date(status.keyPacks[0]!.provisional!.until).getTime() - h.clock.now().getTime()).toBe(14 * DAY_MS);
    h.clock.advance(14 * DAY_MS - 60_000);
    const inside = await connectTwice(h.ls, 'host', device(1));
    expect(inside.ok && inside.value.kind).toBe('permanent');
    h.clock.advance(120_000);
    const outside = await connectTwice(h.ls, 'host', device(2));
    expect(outside.ok && outside.value.kind).toBe('temporary');
    const after = await h.ls.useCases.status();
    expect([after.activation.provisional?.state, after.activation.expired, after.keyPacks[0]!.provisional?.state]).toEqual(['lapsed', true, 'lapsed']);
    // A lapsed activation installs nothing more.
    const install = await h.ls.useCases.installByKeyPackId({ keyPackId: h.ch.keyPackId(h.ls, { packNumber: 6, count: 1 }) });
    expect(!install.ok && install.error.code).toBe('LICENSE_SERVER_NOT_ACTIVATED');
  });

  it('a grant that says other counts than the key pack typed in is not applied: the key pack stays provisional (event 9133)', async () => {
    await activatedWithPack(h, [{ packNumber: 5, count: 1000 }]);
    const grant = await h.ch.grant(h.ls, { pack: 5, count: 10 });
    const file = await h.ch.documentsFile(h.ls, { certificate: await h.ch.certificate(h.ls), grants: [grant] });
    const imported = await h.ls.useCases.importDocuments(file);
    expect(imported.ok && imported.value).toMatchObject({ certificateReceived: true, grantsReceived: 1 });
    const packs = await h.ls.useCases.listKeyPacks();
    expect(packs.map((k) => [k.total, k.grant, k.provisional?.state])).toEqual([[1000, false, 'provisional']]);
    expect((await queryEvents(h.ls.database.db, { eventId: 9133 })).map((e) => e.data['count'])).toEqual([10]);
    // The certificate did arrive: the activation is no longer provisional.
    expect((await h.ls.useCases.status()).activation.provisional).toBeUndefined();
  });
});
