/**
 * Per-device CALs are never over-issued (DESIGN §5): 20 session hosts at once, 500 devices each, against
 * 100 CALs → exactly 100 permanent CALs, every other device temporary, issued + available = total.
 */
import { expect, it } from 'vitest';
import { licenseServerMigrations } from '../../src/license-server/migrations';
import { describeEachDatabase } from '../helpers/databases';
import { activatedWithPack, connectTwice, device, startLicenseServer } from './harness';

const HOSTS = 20;
const DEVICES = 500;

describeEachDatabase('concurrent issuance', (tdb) => {
  it('20 concurrent session hosts × 500 devices against 100 CALs: exactly 100 permanent CALs, the rest temporary, counts consistent', async () => {
    const h = await startLicenseServer(await tdb.open(licenseServerMigrations));
    try {
      await activatedWithPack(h, [{ packNumber: 1, count: 60 }, { packNumber: 2, count: 40 }]);
      const kinds = { permanent: 0, temporary: 0, refused: 0 };
      await Promise.all(
        Array.from({ length: HOSTS }, async (_, hostIndex) => {
          const host = `rdsh-${hostIndex}`;
          for (let i = 0; i < DEVICES; i++) {
            const r = await connectTwice(h.ls, host, device(i, host));
            if (!r.ok) kinds.refused += 1;
            else kinds[r.value.kind as 'permanent' | 'temporary'] += 1;
          }
        }),
      );
      expect(kinds).toEqual({ permanent: 100, temporary: HOSTS * DEVICES - 100, refused: 0 });
      const packs = await h.ls.useCases.listKeyPacks();
      for (const p of packs) {
        expect(p.issued).toBe(p.total);
        expect(p.issued + p.available).toBe(p.total);
      }
      const permanent = await h.ls.useCases.listIssued({ kind: 'permanent', status: 'active', limit: 100_000 });
      expect(permanent).toHaveLength(100);
      expect(new Set(permanent.map((l) => l.hwid)).size).toBe(100);
      const temporary = await h.ls.useCases.listIssued({ kind: 'temporary', status: 'active', limit: 100_000 });
      expect(temporary).toHaveLength(HOSTS * DEVICES - 100);
    } finally {
      await h.close();
    }
  }, 600_000);
});
