import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertSettings } from '../../src/compose/components';
import { resolveConfig } from '../../src/config';
import { DEFAULT_ALERT_THRESHOLDS } from '../../src/core/alert-rules';

describe('alert settings', () => {
  it('default to the documented thresholds, evaluated every 60 s', () => {
    const r = resolveConfig({ env: {}, cwd: '/srv/opencal' });
    if (!r.ok) throw new Error(r.error.message);
    expect(alertSettings(r.value.values)).toEqual({ thresholds: DEFAULT_ALERT_THRESHOLDS, intervalMs: 60_000 });
    expect(DEFAULT_ALERT_THRESHOLDS).toEqual({ graceDays: 14, packAvailablePercent: 10, expiryDays: 30, casePendingDays: 3, cloneCase: true });
  });

  it('a flag beats the environment, which beats the config file; a threshold out of range is refused with what is expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-alert-config-'));
    try {
      const file = join(dir, 'opencal.json');
      writeFileSync(file, JSON.stringify({ alertGraceDays: 30, alertExpiryDays: 60, alertCasePendingDays: 7, alertCloneCase: false }));
      const r = resolveConfig({
        flags: { alertGraceDays: '20' },
        env: { OPENCAL_ALERT_GRACE_DAYS: '25', OPENCAL_ALERT_EXPIRY_DAYS: '45', OPENCAL_ALERT_INTERVAL_SECONDS: '0' },
        configFile: file,
        cwd: dir,
      });
      if (!r.ok) throw new Error(r.error.message);
      expect(alertSettings(r.value.values)).toEqual({
        thresholds: { graceDays: 20, packAvailablePercent: 10, expiryDays: 45, casePendingDays: 7, cloneCase: false },
        intervalMs: 0,
      });
      const wrong = resolveConfig({ env: { OPENCAL_ALERT_PACK_AVAILABLE_PERCENT: '150' }, cwd: dir });
      expect(wrong.ok).toBe(false);
      if (!wrong.ok) {
        expect(wrong.error.code).toBe('CONFIG_INVALID_VALUE');
        expect(wrong.error.message).toContain('an integer from 0 to 100');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
