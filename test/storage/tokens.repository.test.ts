import { ManualClock } from '../../src/core/clock';
import { beforeEach, expect, it } from 'vitest';
import type { Database } from '../../src/storage/database';
import {
  createToken,
  ensureToken,
  hashToken,
  listTokens,
  revokeToken,
  revokeTokensOf,
  tokenStore,
} from '../../src/storage/tokens.repository';
import { describeEachDatabase } from '../helpers/databases';

describeEachDatabase('api tokens', (tdb) => {
  let database: Database;
  const clock = new ManualClock(new Date('2025-03-01T10:00:00.000Z'));

  beforeEach(async () => {
    database = await tdb.open();
  });

  it('creates a token of 43 base64url characters after ocal_, finds it, and stores only its hash', async () => {
    const { token, id } = await createToken(database.db, { scope: 'ls:host', subject: 'RDSH-01', label: 'host' }, clock);
    expect(token).toMatch(/^ocal_[A-Za-z0-9_-]{43}$/);
    expect(await tokenStore(database.db).find(token)).toEqual({ id, scope: 'ls:host', subject: 'RDSH-01' });
    const rows = await database.db.selectFrom('api_tokens').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(hashToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('does not know a mistyped or empty token', async () => {
    const { token } = await createToken(database.db, { scope: 'ch:admin' }, clock);
    const store = tokenStore(database.db);
    expect(await store.find(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect(await store.find('')).toBeUndefined();
  });

  it('answers with the label, then token-<id>, for a token created without subject', async () => {
    const labelled = await createToken(database.db, { scope: 'readonly', label: 'grafana' }, clock);
    const bare = await createToken(database.db, { scope: 'readonly' }, clock);
    const store = tokenStore(database.db);
    expect((await store.find(labelled.token))?.subject).toBe('grafana');
    expect((await store.find(bare.token))?.subject).toBe(`token-${bare.id}`);
  });

  it('a revoked token is no longer accepted, and revoking it again reports nothing to revoke', async () => {
    const { token, id } = await createToken(database.db, { scope: 'ch:org', subject: 'org-1' }, clock);
    expect(await revokeToken(database.db, id, clock)).toBe(true);
    expect(await tokenStore(database.db).find(token)).toBeUndefined();
    expect(await revokeToken(database.db, id, clock)).toBe(false);
    expect(await revokeToken(database.db, 'not-a-number', clock)).toBe(false);
  });

  it('provisions a known bootstrap token, and provisioning it again at the next start keeps the same token', async () => {
    const bootstrap = 'admin-secret-from-the-command-line';
    const first = await ensureToken(database.db, { scope: 'ls:admin', token: bootstrap, label: 'bootstrap' }, clock);
    const second = await ensureToken(database.db, { scope: 'ls:admin', token: bootstrap, label: 'bootstrap' }, clock);
    expect(first.created).toBe(true);
    expect(second).toEqual({ id: first.id, created: false });
    expect(await tokenStore(database.db).find(bootstrap)).toMatchObject({ id: first.id, scope: 'ls:admin' });
  });

  it('refuses to provision a short token', async () => {
    await expect(createToken(database.db, { scope: 'ls:admin', token: 'short' }, clock)).rejects.toThrow(/at least 16/);
  });

  it('refuses to create the same provided token twice', async () => {
    const token = 'a-token-provided-twice-0001';
    await createToken(database.db, { scope: 'ls:admin', token }, clock);
    await expect(createToken(database.db, { scope: 'ls:admin', token }, clock)).rejects.toThrow();
  });

  it('lists live tokens without their values, and revokes every token of a session host', async () => {
    await createToken(database.db, { scope: 'ls:host', subject: 'RDSH-01' }, clock);
    await createToken(database.db, { scope: 'ls:host', subject: 'RDSH-01' }, clock);
    await createToken(database.db, { scope: 'ls:host', subject: 'RDSH-02' }, clock);
    expect(await revokeTokensOf(database.db, { scope: 'ls:host', subject: 'RDSH-01' }, clock)).toBe(2);
    const live = await listTokens(database.db, { scope: 'ls:host' });
    expect(live.map((t) => t.subject)).toEqual(['RDSH-02']);
    expect(live[0]).toEqual({ id: expect.any(String), scope: 'ls:host', subject: 'RDSH-02', createdAt: '2025-03-01T10:00:00.000Z' });
    const all = await listTokens(database.db, { includeRevoked: true });
    expect(all.filter((t) => t.revokedAt === '2025-03-01T10:00:00.000Z')).toHaveLength(2);
  });

  it('uses the random source it is given', async () => {
    const { token } = await createToken(database.db, { scope: 'readonly' }, clock, (n) => new Uint8Array(n).fill(0xff));
    expect(token).toBe('ocal_' + '_'.repeat(42) + '8');
  });
});
