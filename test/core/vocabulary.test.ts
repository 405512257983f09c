import { describe, expect, it } from 'vitest';
import { programDataPlaceholders } from '../../src/core/vocabulary';

describe('program data placeholders in printed commands', () => {
  it.each([
    ['open', '--license-number <LICENSE_NUMBER> --authorization <AUTHORIZATION_NUMBER>'],
    ['select', '--agreement <AGREEMENT_NUMBER>'],
    ['enterprise', '--agreement <AGREEMENT_NUMBER>'],
    ['spla', '--agreement <AGREEMENT_NUMBER>'],
    ['retail', '--proof <PROOF_OF_PURCHASE>'],
  ])('a %s pack is named with %s', (program, flags) => {
    expect(programDataPlaceholders(program)).toBe(flags);
  });
});
