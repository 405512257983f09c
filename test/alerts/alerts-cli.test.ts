/**
 * On a real all-in-one in demo mode (real HTTP): `opencal alerts` before and after the demo clock passes 106 days of
 * grace, in English and French; and every metric the example Prometheus rules (docs/prometheus-alerts.yml) name
 * exists on its /metrics.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DAY_MS, ManualClock } from '../../src/core/clock';
import { opencal, startServer } from '../cli/harness';
import { ROOT } from '../helpers/process';

describe('alerts on a real all-in-one', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  const clock = new ManualClock(new Date('2026-02-02T09:00:00.000Z'));
  const env = () => ({ OPENCAL_URL: s.server.url, OPENCAL_TOKEN: s.server.adminToken });
  beforeAll(async () => {
    s = await startServer({ demo: true, clock });
  });
  afterAll(() => s.stop());

  it('opencal alerts: none at first; past 106 days of grace, the grace alert of the session host, in English and French', async () => {
    const before = await opencal(['alerts', '--json'], env());
    expect(before.exit).toBe(0);
    expect(before.json).toEqual({ alerts: [], components: { clearinghouse: 'read', 'license-server': 'read', 'session-host': 'read' } });
    expect((await opencal(['alerts', '--lang', 'en'], env())).stdout).toBe('No active alert.\n');

    clock.advance(106 * DAY_MS);
    const after = await opencal(['alerts', '--json', '--component', 'sh'], env());
    expect(after.json.components).toEqual({ 'session-host': 'read' });
    expect(after.json.alerts).toEqual([expect.objectContaining({ component: 'session-host', kind: 'grace-ending', page: 'session-host', facts: expect.objectContaining({ daysLeft: 14 }) })]);
    const fr = await opencal(['alerts', '--lang', 'fr', '--component', 'sh'], env());
    expect(fr.stdout).toContain('COMPOSANT');
    expect(fr.stdout).toContain('se termine dans 14 jours');
    expect(fr.stdout).toContain('(page de la console : session-host)');
  });

  it('without a token every component refuses: the command says so and exits 1', async () => {
    const r = await opencal(['alerts'], { OPENCAL_URL: s.server.url });
    expect(r.exit).toBe(1);
    expect(r.stderr).toMatch(/^UNAUTHENTICATED: /);
  });

  it('every metric named by the example Prometheus rules exists on /metrics', async () => {
    // a refusal, so that the refusal counter has a series; a check-in, so that the check-in age has one
    expect((await fetch(`${s.server.url}/ls/v1/alerts`)).status).toBe(401);
    const checkIn = await fetch(`${s.server.url}/ls/v1/check-in`, { method: 'POST', headers: { authorization: `Bearer ${s.server.adminToken}` } });
    expect(checkIn.status).toBe(200);
    const text = await (await fetch(`${s.server.url}/metrics`, { headers: { authorization: `Bearer ${s.server.adminToken}` } })).text();
    // A metric exists when /metrics declares it (`# TYPE name …`), whether or not it has a series right now.
    const present = new Set([...text.matchAll(/^# TYPE ([a-z_:][a-z0-9_:]*) /gm)].map((m) => m[1]));
    expect(text).toMatch(/^opencal_check_in_age_seconds\{server_id="[^"]+",seen_by="license-server"\} \d+$/m);
    expect(text).toMatch(/^opencal_refusals_total\{component="license-server",code="UNAUTHENTICATED"\} [1-9]\d*$/m);
    const rules = (parse(readFileSync(join(ROOT, 'docs', 'prometheus-alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }).groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      const names = [...rule.expr.matchAll(/\b(opencal_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(present.has(name), `${rule.alert}: ${name}`).toBe(true);
    }
  });
});
