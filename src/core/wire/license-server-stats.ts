/** `GET /ls/v1/stats/issuance`: issued CALs and refused CAL requests per hour (24 h) or per day (30 d), UTC. */
import { Type, type Static } from 'typebox';
import { STATS_RANGES } from '../issuance-stats';
import { oneOf, Timestamp } from './schema';

const Counts = {
  temporary: Type.Integer({ description: 'temporary per-device CALs issued' }),
  permanent: Type.Integer({ description: 'permanent per-device CALs issued' }),
  user: Type.Integer({ description: 'per-user CALs issued' }),
  refused: Type.Integer({ description: 'CAL requests refused: no CAL at all for the device (event 21), or a host outside the allow-list (event 4141)' }),
};

export const IssuanceStatsQuery = Type.Object({ range: Type.Optional(oneOf(STATS_RANGES, { description: '24h: 24 hourly buckets; 30d: 30 daily buckets (UTC, the current one included); default 24h' })) }, { additionalProperties: false });

export const IssuanceStats = Type.Object({
  range: oneOf(STATS_RANGES),
  unit: oneOf(['hour', 'day'] as const),
  from: Timestamp,
  to: Type.String({ description: 'ISO 8601 timestamp, exclusive: the end of the current bucket' }),
  buckets: Type.Array(Type.Object({ start: Timestamp, ...Counts }), { description: 'every bucket of the window, oldest first, zeros included' }),
  totals: Type.Object(Counts),
});
export type IssuanceStats = Static<typeof IssuanceStats>;
