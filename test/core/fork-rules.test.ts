import { describe, expect, it } from 'vitest';
import { checkpointExtended, compareCheckpoints, decideCheckInChain, receiptHash, type ChainHead } from '../../src/core/fork-rules';

const H = (c: string) => c.repeat(64);
const head: ChainHead = { counter: 5, hash: H('b'), prev: H('a'), attempt: 'x' };

describe('where a check-in stands against its server chain head', () => {
  it.each([
    ['no chain yet: it starts one', undefined, { counter: 9, prev: H('f'), attempt: 'y' }, { outcome: 'start' }],
    ['the next counter naming the last receipt extends it', head, { counter: 6, prev: H('b'), attempt: 'y' }, { outcome: 'extend' }],
    ['the last check-in sent again (same attempt) is a retry', head, { counter: 5, prev: H('a'), attempt: 'x' }, { outcome: 'retry' }],
    ['another check-in extending the same receipt is a second history', head, { counter: 5, prev: H('a'), attempt: 'z' }, { outcome: 'fork', problem: 'same-predecessor' }],
    ['a counter going back is a second history', head, { counter: 3, prev: H('c'), attempt: 'z' }, { outcome: 'fork', problem: 'counter-went-back' }],
    ['the same counter after another receipt is a second history', head, { counter: 5, prev: H('c'), attempt: 'x' }, { outcome: 'fork', problem: 'counter-went-back' }],
    ['the next counter naming a receipt never given as the head is a second history', head, { counter: 6, prev: H('c'), attempt: 'y' }, { outcome: 'fork', problem: 'unknown-predecessor' }],
    ['a counter ahead (the clearinghouse lost links) takes the chain up again', head, { counter: 9, prev: H('c'), attempt: 'y' }, { outcome: 'resume' }],
  ] as const)('%s', (_name, h, link, expected) => {
    expect(decideCheckInChain(h, link)).toEqual(expected);
  });

  it('a receipt hash is the SHA-256 of the receipt text, in hex', () => {
    expect(receiptHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('checkpoints', () => {
  const kept = { seq: 10, head: H('a'), at: 100 };
  it.each([
    ['none kept yet', undefined, { seq: 1, head: H('b'), at: 1 }, { ok: true }],
    ['a longer log', kept, { seq: 12, head: H('b'), at: 200 }, { ok: true }],
    ['the same checkpoint', kept, { ...kept }, { ok: true }],
    ['a shorter log', kept, { seq: 9, head: H('b'), at: 200 }, { ok: false, problem: 'sequence-went-back' }],
    ['another head at the same length', kept, { seq: 10, head: H('b'), at: 200 }, { ok: false, problem: 'different-head' }],
  ] as const)('a license server compares: %s', (_name, k, later, expected) => {
    expect(compareCheckpoints(k, later)).toEqual(expected);
  });

  it.each([
    ['the record is still there with its head', { seq: 12, hashAtSeq: H('a') }, { ok: true }],
    ['the log is shorter than the checkpoint', { seq: 9, hashAtSeq: undefined }, { ok: false, problem: 'truncated' }],
    ['the record hashes differently today', { seq: 12, hashAtSeq: H('c') }, { ok: false, problem: 'rewritten' }],
  ] as const)('today’s log against a saved checkpoint: %s', (_name, today, expected) => {
    expect(checkpointExtended(kept, today)).toEqual(expected);
  });
});
