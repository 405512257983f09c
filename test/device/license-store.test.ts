import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import { forgetTokens, listTokens } from '../../src/device/client';
import { addCal, openStore, presentable, readStore, saveStore } from '../../src/device/license-store';
import { generateIdentity } from '../../src/trust/index';
import { calToken } from '../session-host/signed-documents';

const T0 = new Date('2025-05-01T00:00:00.000Z');

describe('device license store (the MSLicensing equivalent)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opencal-store-'));
    path = join(dir, 'sub', 'pc-01.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the hardware ID once, in a file only its owner can read', () => {
    const first = openStore(path, T0, () => new Uint8Array(16).fill(0xab));
    expect(first.hwid).toBe('AB'.repeat(16));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = openStore(path, addDays(T0, 3), () => new Uint8Array(16).fill(0x01));
    expect(again.hwid).toBe(first.hwid);
  });

  it('a permanent CAL replaces the temporary CAL of the same license server; the view says until when each is valid', async () => {
    const ls = generateIdentity();
    const store = openStore(path, T0);
    addCal(store, { token: await calToken(ls, T0, { kind: 'temporary', exp: Math.floor(addDays(T0, 90).getTime() / 1000) }) }, T0);
    addCal(store, { token: await calToken(ls, T0, { kind: 'permanent', exp: Math.floor(addDays(T0, 60).getTime() / 1000) }) }, T0);
    const other = generateIdentity();
    addCal(store, { token: await calToken(other, T0, { kind: 'temporary', exp: Math.floor(addDays(T0, 5).getTime() / 1000) }) }, T0);
    saveStore(path, store);

    const view = listTokens(path, new ManualClock(addDays(T0, 10)));
    expect(view.tokens.map((t) => [t.kind, t.licenseServerId === ls.kid, t.daysLeft, t.expired])).toEqual([
      ['permanent', true, 50, false],
      ['temporary', false, 0, true],
    ]);
    expect(presentable(readStore(path), addDays(T0, 10)).map((c) => c.kind)).toEqual(['permanent']);
    expect(forgetTokens(path)).toBe(2);
    expect(listTokens(path).tokens).toEqual([]);
  });

  it('a file that is not a license store is refused with what to do', () => {
    writeFileSync(path.replace('sub/', ''), '{"hello":1}');
    expect(() => readStore(path.replace('sub/', ''))).toThrow(/not an OpenCAL license store/);
  });
});
