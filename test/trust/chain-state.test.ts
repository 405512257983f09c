import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAIN_GENESIS } from '../../src/core/fork-rules';
import { CHAIN_STATE_FILE, chainStateStore, INITIAL_CHAIN_STATE, readChainState, writeChainState } from '../../src/trust/index';

describe('the check-in chain file beside the identity key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'opencal-chain-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a data directory without one starts at counter 0 after the genesis hash', () => {
    expect(readChainState(join(dir, CHAIN_STATE_FILE))).toEqual({ counter: 0, receiptHash: CHAIN_GENESIS });
    expect(INITIAL_CHAIN_STATE.receiptHash).toBe(CHAIN_GENESIS);
  });

  it('is written with mode 0600 through a temporary file that does not stay behind, and read back as written', () => {
    const path = join(dir, 'sub', CHAIN_STATE_FILE);
    const state = { counter: 7, receiptHash: 'a'.repeat(64), pending: { counter: 8, prev: 'a'.repeat(64), attempt: 'x' } };
    writeChainState(path, state);
    writeChainState(path, { ...state, counter: 8 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'sub'))).toEqual([CHAIN_STATE_FILE]);
    expect(readChainState(path)).toEqual({ ...state, counter: 8 });
  });

  it('a file that group or others may read is refused, as the identity key is', () => {
    const path = join(dir, CHAIN_STATE_FILE);
    writeChainState(path, { counter: 1, receiptHash: 'b'.repeat(64) });
    chmodSync(path, 0o644);
    expect(() => readChainState(path)).toThrow(/chmod 600/);
  });

  it('a file that is not a chain state is refused instead of restarting the chain', () => {
    const path = join(dir, CHAIN_STATE_FILE);
    writeFileSync(path, '{"counter": "three"}', { mode: 0o600 });
    expect(() => readChainState(path)).toThrow(/not a chain state/);
  });

  it('work run exclusively runs one at a time, even when one fails', async () => {
    const store = chainStateStore(join(dir, CHAIN_STATE_FILE));
    const order: string[] = [];
    const slow = store.exclusive(async () => {
      order.push('a:start');
      await new Promise((r) => setTimeout(r, 20));
      order.push('a:end');
      throw new Error('a failed');
    });
    const next = store.exclusive(async () => {
      order.push('b');
      return 'b';
    });
    await expect(slow).rejects.toThrow('a failed');
    expect(await next).toBe('b');
    expect(order).toEqual(['a:start', 'a:end', 'b']);
  });
});
