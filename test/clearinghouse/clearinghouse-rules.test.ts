import { describe, expect, it } from 'vitest';
import {
  auditHash,
  canonicalJson,
  checkMigration,
  verifyAuditChain,
  type AuditRecord,
  decideMigration,
  formatCaseNumber,
  isRequestFresh,
  isSilent,
  MIGRATION_CHECK_ORDER,
  parseCaseNumber,
  programDataMatches,
  transfersInWindow,
  validateProgramData,
  type MigrationEvidence,
  type MigrationFacts,
} from '../../src/core/clearinghouse-rules';
import { refuse } from '../../src/core/result';

const now = new Date('2025-06-01T12:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

describe('program data', () => {
  it.each([
    ['open', { licenseNumber: '12345678', authorizationNumber: 'ABCDE12345FGHIJ' }, true],
    ['open', { licenseNumber: '1234-5678', authorizationNumber: 'abcde-12345-fghij' }, true],
    ['open', { licenseNumber: '1234567', authorizationNumber: 'ABCDE12345FGHIJ' }, false],
    ['open', { licenseNumber: '12345678', authorizationNumber: 'ABCDE12345FGHI' }, false],
    ['open', { licenseNumber: '12345678' }, false],
    ['select', { agreementNumber: '1234567' }, true],
    ['enterprise', { agreementNumber: '12345678' }, false],
    ['spla', { agreementNumber: '12a4567' }, false],
    ['other', {}, false],
    ['retail', {}, true],
  ] as const)('%s with %j is valid: %s', (program, data, valid) => {
    const r = validateProgramData(program, data);
    expect(r.ok).toBe(valid);
    if (!r.ok) expect(r.error.code).toBe('PROGRAM_DATA_INVALID');
  });

  it('compares program data after normalization, only the fields of the program', () => {
    expect(programDataMatches('select', { agreementNumber: '1234567' }, { agreementNumber: ' 1234-567 ' })).toBe(true);
    expect(programDataMatches('select', { agreementNumber: '1234567' }, { agreementNumber: '7654321' })).toBe(false);
    expect(programDataMatches('retail', {}, { agreementNumber: '7654321' })).toBe(true);
    expect(programDataMatches('open', { licenseNumber: '12345678', authorizationNumber: 'ABCDE12345FGHIJ' }, { licenseNumber: '12345678', authorizationNumber: 'abcde12345fghij' })).toBe(true);
  });
});

describe('time rules', () => {
  it.each([
    [null, true],
    [daysAgo(29), false],
    [daysAgo(30), true],
    [daysAgo(120), true],
  ])('a source last seen %s is silent: %s (30-day threshold)', (seen, silent) => {
    expect(isSilent(seen === null ? null : new Date(seen), now, 30)).toBe(silent);
  });

  it.each([
    [0, true],
    [300, true],
    [-300, true],
    [301, false],
    [-3600, false],
  ])('a signed request %i seconds off the clock is fresh: %s', (offset, fresh) => {
    expect(isRequestFresh(now.getTime() / 1000 + offset, now, 300)).toBe(fresh);
  });

  it('counts only the transfers of the last 365 days', () => {
    const t = [daysAgo(400), daysAgo(364), daysAgo(10)].map((s) => new Date(s));
    expect(transfersInWindow(t, now, 365)).toHaveLength(2);
  });
});

describe('case numbers', () => {
  it('formats and parses CH-000123', () => {
    expect(formatCaseNumber(123)).toBe('CH-000123');
    expect(parseCaseNumber('CH-000123')).toBe(123);
    expect(parseCaseNumber('ch-123')).toBe(123);
    expect(parseCaseNumber('42')).toBe(42);
    expect(parseCaseNumber('CH-')).toBeUndefined();
    expect(parseCaseNumber('XX-1')).toBeUndefined();
  });
});

const goodFacts: MigrationFacts = {
  code: { ok: true, value: {} },
  target: { serverId: 'T', status: 'activated', serverVersion: 2019 },
  macValid: true,
  pack: { number: 1, program: 'select', programData: { agreementNumber: '1234567' }, calType: 'device', calVersion: 2019 },
  stated: { program: 'select', programData: { agreementNumber: '1234567' }, calType: 'device', calVersion: 2019 },
};

describe('migration checks run in order, one stable code each', () => {
  const cases: [string, Partial<MigrationFacts>][] = [
    ['CODE_CHECK_FAILED', { code: refuse('CODE_CHECK_FAILED', { kinds: ['migrationCode'] }), target: null, macValid: false, pack: null }],
    ['MIGRATION_TARGET_UNKNOWN', { target: null, macValid: false, pack: null }],
    ['CODE_MAC_INVALID', { macValid: false, pack: null }],
    ['PACK_KEY_UNKNOWN', { pack: null, stated: { ...goodFacts.stated, program: 'open' } }],
    ['PROGRAM_MISMATCH', { stated: { ...goodFacts.stated, program: 'enterprise', calType: 'user' } }],
    ['PROGRAM_DATA_MISMATCH', { stated: { ...goodFacts.stated, programData: { agreementNumber: '7654321' }, calType: 'user' } }],
    ['CAL_TYPE_MISMATCH', { stated: { ...goodFacts.stated, calType: 'user', calVersion: 2022 } }],
    ['CAL_VERSION_MISMATCH', { stated: { ...goodFacts.stated, calVersion: 2022 }, target: { serverId: 'T', status: 'deactivated', serverVersion: 2019 } }],
    ['TARGET_NOT_ACTIVATED', { target: { serverId: 'T', status: 'deactivated', serverVersion: 2016 } }],
    ['VERSION_NOT_HOSTABLE', { target: { serverId: 'T', status: 'activated', serverVersion: 2016 } }],
  ];
  it.each(cases)('refuses with %s when that is the first failing check', (code, change) => {
    const r = checkMigration({ ...goodFacts, ...change });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message.length).toBeGreaterThan(20);
    }
  });

  it('lists the checks in the documented order', () => {
    expect(cases.slice(1).map((c) => c[0])).toEqual(MIGRATION_CHECK_ORDER.slice(1));
  });

  it('passes a request whose facts all match', () => {
    expect(checkMigration(goodFacts).ok).toBe(true);
  });

  it('accepts a 2019 pack on a 2022 license server (a server hosts its own version or older)', () => {
    expect(checkMigration({ ...goodFacts, target: { serverId: 'T', status: 'activated', serverVersion: 2022 } }).ok).toBe(true);
  });
});

const base: MigrationEvidence = {
  source: { serverId: 'S', status: 'activated', lastSeen: daysAgo(45), holdsPack: true, receipt: false },
  sourceNamedInCode: null,
  earlierTransfers: [],
  organizationMatch: true,
  program: 'select',
  proofOfPurchase: null,
  packRevoked: false,
};

describe('decideMigration', () => {
  const table: [string, Partial<MigrationEvidence>, string, string[]][] = [
    ['source silent past the threshold', {}, 'approve', []],
    ['source checked in yesterday', { source: { ...base.source!, lastSeen: daysAgo(1) } }, 'pending', ['SOURCE_CHECKED_IN_RECENTLY']],
    ['source checked in yesterday but deactivated with a receipt', { source: { ...base.source!, lastSeen: daysAgo(1), status: 'deactivated', receipt: true } }, 'approve', []],
    ['source no longer holds the pack', { source: { ...base.source!, lastSeen: daysAgo(1), holdsPack: false } }, 'approve', []],
    ['pack never installed', { source: null }, 'approve', []],
    ['one earlier transfer this year', { earlierTransfers: [daysAgo(100)] }, 'approve', []],
    ['two earlier transfers this year', { earlierTransfers: [daysAgo(100), daysAgo(200)] }, 'pending', ['TRANSFER_BUDGET_EXCEEDED']],
    ['two transfers, one older than a year', { earlierTransfers: [daysAgo(100), daysAgo(400)] }, 'approve', []],
    ['organization mismatch', { organizationMatch: false }, 'pending', ['ORGANIZATION_MISMATCH']],
    ['retail without proof of purchase', { program: 'retail', proofOfPurchase: false }, 'pending', ['RETAIL_WITHOUT_PROOF_OF_PURCHASE']],
    ['retail with proof of purchase', { program: 'retail', proofOfPurchase: true }, 'approve', []],
    [
      'several reasons at once',
      { organizationMatch: false, source: { ...base.source!, lastSeen: daysAgo(2) } },
      'pending',
      ['SOURCE_CHECKED_IN_RECENTLY', 'ORGANIZATION_MISMATCH'],
    ],
    ['revoked pack', { packRevoked: true }, 'rejected', ['PACK_REVOKED']],
  ];
  it.each(table.map(([n, c, d, r]) => [`${n} → ${d}`, c, d, r] as const))('%s', (_name, change, decision, reasons) => {
    const d = decideMigration({ ...base, ...change }, now);
    expect(d.decision).toBe(decision);
    expect(d.reasons).toEqual(reasons);
  });

  it('takes its thresholds from configuration', () => {
    const e = { ...base, source: { ...base.source!, lastSeen: daysAgo(10) } };
    expect(decideMigration(e, now, { silenceDays: 7, transferBudget: 2, transferWindowDays: 365 }).decision).toBe('approve');
    expect(decideMigration({ ...base, earlierTransfers: [daysAgo(1)] }, now, { silenceDays: 30, transferBudget: 1, transferWindowDays: 365 }).decision).toBe('pending');
  });
});

describe('audit chain', () => {
  const genesis = '0'.repeat(64);
  function chain(n: number) {
    const out: (AuditRecord & { hash: string })[] = [];
    let prev = genesis;
    for (let i = 1; i <= n; i++) {
      const r: AuditRecord = { seq: i, at: daysAgo(n - i), actor: 'agent:a1', action: 'case.approved', subject: `CH-00000${i}`, data: { b: i, a: [1, { z: 1, y: 2 }] }, prevHash: prev };
      const hash = auditHash(r);
      out.push({ ...r, hash });
      prev = hash;
    }
    return out;
  }

  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}');
  });

  it('verifies an intact chain', () => {
    expect(verifyAuditChain(chain(5), genesis)).toEqual({ ok: true, records: 5 });
    expect(verifyAuditChain([], genesis)).toEqual({ ok: true, records: 0 });
  });

  it('reports the first record whose data was changed', () => {
    const c = chain(5);
    c[2] = { ...c[2]!, data: { b: 99 } };
    expect(verifyAuditChain(c, genesis)).toEqual({ ok: false, records: 5, firstBroken: { seq: 3, problem: 'hash-mismatch' } });
  });

  it('reports a record removed from the middle', () => {
    const c = chain(5);
    c.splice(1, 1);
    expect(verifyAuditChain(c, genesis)).toMatchObject({ ok: false, firstBroken: { seq: 2, problem: 'sequence-gap' } });
  });

  it('reports a record rehashed without its successor following', () => {
    const c = chain(4);
    const { hash: _old, ...original } = c[1]!;
    void _old;
    const changed: AuditRecord = { ...original, data: { forged: true } };
    c[1] = { ...changed, hash: auditHash(changed) };
    expect(verifyAuditChain(c, genesis)).toMatchObject({ ok: false, firstBroken: { seq: 3, problem: 'previous-hash-mismatch' } });
  });
});
