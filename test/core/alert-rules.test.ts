import { describe, expect, it } from 'vitest';
import {
  ALERT_KINDS,
  ALERT_PAGES,
  alertMessage,
  alertTransitions,
  caseAlerts,
  DEFAULT_ALERT_THRESHOLDS as T,
  expiryAlerts,
  graceAlerts,
  packAlerts,
} from '../../src/core/alert-rules';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-01-10T12:00:00.000Z');
const later = (days: number) => new Date(NOW.getTime() + days * DAY);

describe('alert rules', () => {
  it.each([
    // daysLeft, licensing configured, active
    [15, false, false],
    [14, false, true],
    [1, true, true],
    [0, false, true],
    [0, true, false],
  ])('grace: %i days left (licensing configured: %s) is an alert: %s', (daysLeft, licensingConfigured, active) => {
    const alerts = graceAlerts({ hostName: 'RDSH-01', daysLeft, endsAt: later(daysLeft), licensingConfigured }, T);
    expect(alerts.map((a) => [a.kind, a.subject, a.threshold])).toEqual(active ? [['grace-ending', 'RDSH-01', 14]] : []);
  });

  it.each([
    // total, available, active at 10 %
    [10, 1, false],
    [10, 0, true],
    [100, 10, false],
    [100, 9, true],
    [0, 0, false],
  ])('pack: %i CALs with %i available is nearly exhausted: %s', (total, available, active) => {
    const alerts = packAlerts([{ pack: 7, calType: 'device', calVersion: 2019, total, available }], T);
    expect(alerts.map((a) => a.subject)).toEqual(active ? ['7'] : []);
  });

  it('a certificate or grant expiring in 30 days or fewer is an alert, 31 days is not, a grant without expiry never', () => {
    const alerts = expiryAlerts(
      { serverId: 'LS-1', certificateExpiresAt: later(30), grants: [{ pack: 1, seq: 2, expiresAt: later(31) }, { pack: 3, seq: 1, expiresAt: later(2) }, { pack: 4, seq: 1 }] },
      NOW,
      T,
    );
    expect(alerts.map((a) => [a.kind, a.subject, a.facts.daysLeft])).toEqual([
      ['certificate-expiring', 'LS-1', 30],
      ['grant-expiring', '3/1', 2],
    ]);
    expect(expiryAlerts({ serverId: 'LS-1', certificateExpiresAt: later(31), grants: [] }, NOW, T)).toEqual([]);
  });

  it('a case open for 3 days is an alert, 2 days 23 hours is not; a clone case is one at once, unless turned off', () => {
    const cases = [
      { caseNumber: 'CH-000001', kind: 'migration', createdAt: new Date(NOW.getTime() - 3 * DAY) },
      { caseNumber: 'CH-000002', kind: 'migration', createdAt: new Date(NOW.getTime() - 3 * DAY + 3600_000) },
      { caseNumber: 'CH-000003', kind: 'clone', createdAt: NOW, sourceServerId: 'LS-9' },
    ];
    expect(caseAlerts(cases, NOW, T).map((a) => [a.kind, a.subject])).toEqual([
      ['case-pending', 'CH-000001'],
      ['clone-case', 'CH-000003'],
    ]);
    expect(caseAlerts(cases, NOW, { ...T, cloneCase: false }).map((a) => a.subject)).toEqual(['CH-000001']);
  });

  it('transitions: a new alert is raised, a gone one cleared, a lasting one kept (no second raise)', () => {
    const a = graceAlerts({ hostName: 'A', daysLeft: 3, endsAt: later(3), licensingConfigured: false }, T)[0]!;
    const b = packAlerts([{ pack: 7, calType: 'device', calVersion: 2019, total: 10, available: 0 }], T)[0]!;
    const t = alertTransitions([{ kind: 'grace-ending', subject: 'A' }, { kind: 'clone-case', subject: 'CH-000003' }], [a, b]);
    expect(t.raised).toEqual([b]);
    expect(t.kept).toEqual([a]);
    expect(t.cleared).toEqual([{ kind: 'clone-case', subject: 'CH-000003' }]);
    expect(alertTransitions([{ kind: 'grace-ending', subject: 'A' }], [a])).toEqual({ raised: [], cleared: [], kept: [a] });
  });

  it('every kind has a page that fixes it and a message in English and French naming its subject', () => {
    const samples = [
      ...graceAlerts({ hostName: 'RDSH-01', daysLeft: 5, endsAt: later(5), licensingConfigured: false }, T),
      ...graceAlerts({ hostName: 'RDSH-01', daysLeft: 0, endsAt: NOW, licensingConfigured: false }, T),
      ...packAlerts([{ pack: 7, calType: 'user', calVersion: 2022, total: 10, available: 0 }], T),
      ...expiryAlerts({ serverId: 'LS-1', certificateExpiresAt: later(5), grants: [{ pack: 7, seq: 1, expiresAt: later(5) }] }, NOW, T),
      ...caseAlerts([{ caseNumber: 'CH-000001', kind: 'migration', createdAt: later(-4) }, { caseNumber: 'CH-000002', kind: 'clone', createdAt: NOW, sourceServerId: 'LS-9' }], NOW, T),
    ];
    expect(new Set(samples.map((a) => a.kind))).toEqual(new Set(ALERT_KINDS));
    for (const a of samples) {
      expect(ALERT_PAGES[a.kind]).toMatch(/^[a-z-]+$/);
      const en = alertMessage(a, 'en');
      const fr = alertMessage(a, 'fr');
      const subject = a.kind === 'grant-expiring' ? String(a.facts.pack) : a.subject;
      expect(en).toContain(subject);
      expect(fr).toContain(subject);
      expect(fr).not.toBe(en);
      expect(en).not.toMatch(/undefined|\{/);
      expect(fr).not.toMatch(/undefined|\{/);
    }
  });
});
