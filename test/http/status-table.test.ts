import { describe, expect, it } from 'vitest';
import { statusForCode, statusTable } from '../../src/http/status-table';

describe('status table', () => {
  it.each([
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN_SCOPE', 403],
    ['TOO_MANY_AUTH_FAILURES', 429],
    ['PACK_ALREADY_ACTIVATED', 409],
    ['CODE_CHECK_FAILED', 400],
    ['UNREACHABLE', 502],
    ['INTERNAL_ERROR', 500],
  ])('%s is answered %i', (code, status) => {
    expect(statusForCode(code)).toBe(status);
  });

  it('an unlisted code is 422, an unlisted *_NOT_FOUND is 404', () => {
    expect(statusForCode('SOMETHING_NEW')).toBe(422);
    expect(statusForCode('WIDGET_NOT_FOUND')).toBe(404);
  });

  it('every listed code is UPPER_SNAKE with a 4xx or 5xx status', () => {
    for (const [code, status] of Object.entries(statusTable)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
    }
  });
});
