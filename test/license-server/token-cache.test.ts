/**
 * The license server's token store keeps a live token it has just looked up for a second (session hosts present
 * theirs on every CAL request), on SQLite and PostgreSQL: the token's principal is held at once after its look-up,
 * a token never looked up, unknown or revoked before its look-up is not held, and a held token still names its host.
 */
import { afterEach, expect, it } from 'vitest';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { startLicenseServer, type Harness } from './harness';

describeEachDatabase('the license server token store', (tdb) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('holds a host token once looked up, and never an unknown or revoked one', async () => {
    h = await startLicenseServer(await tdb.open(licenseServerMigrations));
    const { ls } = h;
    const store = ls.module.tokenStore;
    const join = await ls.useCases.createJoinToken({ name: 'RDSH-07' });
    if (!join.ok) throw new Error(join.error.code);
    const enrolled = await ls.useCases.enroll({ joinToken: join.value.joinToken, name: 'RDSH-07' });
    if (!enrolled.ok) throw new Error(enrolled.error.code);
    const token = enrolled.value.token;

    expect(store.known?.(token)).toBeUndefined();
    const found = await store.find(token);
    expect(found).toMatchObject({ scope: 'ls:host', subject: 'RDSH-07' });
    expect(store.known?.(token)).toEqual(found);
    expect(store.known?.(`${token}x`)).toBeUndefined();
    expect(await store.find(`${token}x`)).toBeUndefined();
    expect(store.known?.(`${token}x`)).toBeUndefined();

    // A second host's token, revoked before anyone presented it: looked up, refused, not held.
    const other = await ls.useCases.createJoinToken({ name: 'RDSH-08' });
    if (!other.ok) throw new Error(other.error.code);
    const second = await ls.useCases.enroll({ joinToken: other.value.joinToken, name: 'RDSH-08' });
    if (!second.ok) throw new Error(second.error.code);
    const listed = await ls.useCases.tokens();
    const id = listed.find((t) => t.subject === 'RDSH-08')!.id;
    expect((await ls.useCases.revokeToken(id)).ok).toBe(true);
    expect(await store.find(second.value.token)).toBeUndefined();
    expect(store.known?.(second.value.token)).toBeUndefined();
  });
});
