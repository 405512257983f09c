/**
 * `GET /ch/v1/alerts`, `/ls/v1/alerts`, `/sh/v1/alerts` (docs/alerts.md): the component's active alerts, each with
 * its kind, subject, since when, the threshold that raised it, its message in English and French and the
 * console page that fixes it.
 */
import { Type, type Static } from 'typebox';
import { ALERT_KINDS } from '../alert-rules';
import { JsonObject, oneOf, Timestamp } from './schema';

export const ActiveAlert = Type.Object({
  component: oneOf(['clearinghouse', 'license-server', 'session-host'] as const),
  kind: oneOf(ALERT_KINDS),
  subject: Type.String({ description: 'what the alert is about: host name, pack number, server ID, pack/grant, case number' }),
  since: Timestamp,
  threshold: Type.Number({ description: "the threshold crossed, in the kind's unit (days, percent)" }),
  facts: JsonObject,
  message: Type.Object({ en: Type.String(), fr: Type.String() }),
  page: Type.String({ description: 'the console page that fixes it: /#/<page>' }),
});
export type ActiveAlert = Static<typeof ActiveAlert>;

export const AlertList = Type.Object({ evaluatedAt: Timestamp, alerts: Type.Array(ActiveAlert) });
export type AlertList = Static<typeof AlertList>;
