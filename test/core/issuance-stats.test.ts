/** The windows and buckets of issuance over time: UTC hours or days, the current one last, zeros filled in. */
import { describe, expect, it } from 'vitest';
import { bucketKey, fillBuckets, statsWindow } from '../../src/core/issuance-stats';

describe('issuance stats windows', () => {
  it.each([
    ['24h', '2026-01-31T12:34:56.789Z', '2026-01-30T13:00:00.000Z', '2026-01-31T13:00:00.000Z', 24, 'hour'],
    ['24h', '2026-01-31T00:00:00.000Z', '2026-01-30T01:00:00.000Z', '2026-01-31T01:00:00.000Z', 24, 'hour'],
    ['30d', '2026-03-01T23:59:59.999Z', '2026-01-31T00:00:00.000Z', '2026-03-02T00:00:00.000Z', 30, 'day'],
  ] as const)('%s at %s covers [%s, %s) in %i %s buckets, the current one last', (range, now, from, to, count, unit) => {
    const w = statsWindow(range, new Date(now));
    expect({ from: w.from.toISOString(), to: w.to.toISOString(), n: w.starts.length, unit: w.unit }).toEqual({ from, to, n: count, unit });
    expect(w.starts.at(-1)!.getTime()).toBeLessThanOrEqual(Date.parse(now));
    expect(bucketKey(w, new Date(now))).toBe(bucketKey(w, w.starts.at(-1)!));
  });

  it('fills every bucket, adds counts to the bucket of their key and drops keys outside the window', () => {
    const w = statsWindow('24h', new Date('2026-01-31T12:10:00.000Z'));
    const buckets = fillBuckets(w, {
      issued: [
        { key: '2026-01-31T12', kind: 'temporary', n: 2 },
        { key: '2026-01-31T12', kind: 'permanent', n: 1 },
        { key: '2026-01-30T13', kind: 'user', n: 4 },
        { key: '2026-01-30T12', kind: 'user', n: 9 },
      ],
      refused: [{ key: '2026-01-31T12', n: 3 }],
    });
    expect(buckets).toHaveLength(24);
    expect(buckets[0]).toMatchObject({ temporary: 0, permanent: 0, user: 4, refused: 0 });
    expect(buckets[23]).toMatchObject({ temporary: 2, permanent: 1, user: 0, refused: 3 });
    expect(buckets.reduce((s, b) => s + b.temporary + b.permanent + b.user + b.refused, 0)).toBe(10);
  });
});
