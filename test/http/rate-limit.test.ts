import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { buildServer } from '../../src/http/server';

describe('per-route rate limits', () => {
  it('a route that opts in answers 429 TOO_MANY_REQUESTS in the one error body once over its limit', async () => {
    const app = await buildServer({
      logger: false,
      metrics: new Registry(),
      components: [
        {
          name: 'session-host',
          prefix: '/sh/v1',
          tokenStore: { find: async () => undefined },
          routes: (sh) => {
            sh.post('/connect', { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, async () => ({ admitted: true }));
          },
        },
      ],
    });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = await app.inject({ method: 'POST', url: '/sh/v1/connect', payload: {} });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.json().error.code).toBe('TOO_MANY_REQUESTS');
    expect(last!.json().error.message).toContain('retry in 1 minute');
    expect(last!.headers['retry-after']).toBeDefined();
  });
});
