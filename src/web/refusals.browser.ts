/**
 * The refusal catalogue as the console's bundle carries it (vite.config.ts puts this module in place of
 * src/core/refusals.ts): only the refusals the browser words itself — codes typed in forms, Windows exports dropped
 * on the diagnoser, a server that does not answer (src/core/refusals-shared.ts). Every other refusal reaches the
 * console from a server, already worded in the console's language and words. A code not carried here renders as
 * the code itself.
 */
import { catalogueReader, SURFACES, type RefusalEntry, type Surface, type Words, type NoDetail } from '../core/refusal-entry';
import { SHARED_REFUSALS } from '../core/refusals-shared';
import { LANGS, type Lang } from '../core/refusal-words';

export { LANGS, SURFACES, type Lang, type NoDetail, type RefusalEntry, type Surface, type Words };
export type { DetailOf, RefusalCode } from '../core/refusals';

export const REFUSALS = SHARED_REFUSALS;
const reader = catalogueReader(SHARED_REFUSALS);

export const isRefusalCode = (code: string): boolean => reader.has(code);
export const statusOf = reader.status;
export const renderRefusal = reader.render;
export const swapAdvice = reader.swapAdvice;
