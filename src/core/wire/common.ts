/**
 * Wire shapes every component answers alike: the CAL bundle a session host and a device pass around, the event
 * list of `GET <prefix>/events`, and the common routes (`/healthz`, `<prefix>/whoami`).
 */
import { Type, type Static } from 'typebox';
import type { CalBundle as ProtocolCalBundle } from '../protocol';
import { EVENT_COMPONENTS, EVENT_LEVELS } from '../events';
import { JsonObject, Jws, Nullable, oneOf, Timestamp } from './schema';

/** A CAL as a device stores and presents it (core/protocol.ts `CalBundle`). */
export const CalBundle = Type.Object({
  token: Type.String({ maxLength: 8192, description: 'the CAL token (JWS signed by the license server)' }),
  certificate: Type.Optional(Type.String({ maxLength: 8192, description: "the license server's certificate (JWS signed by the clearinghouse)" })),
  grant: Type.Optional(Type.String({ maxLength: 8192, description: 'the grant the CAL was issued under (permanent CALs only)' })),
}, { additionalProperties: false });
export type CalBundle = Static<typeof CalBundle>;

/** One recorded event (Windows event ids, DESIGN §6). */
export const RecordedEvent = Type.Object({
  id: Type.Integer(),
  at: Timestamp,
  component: oneOf(EVENT_COMPONENTS),
  channel: Type.String(),
  eventId: Type.Integer(),
  level: oneOf(EVENT_LEVELS),
  message: Type.String(),
  data: JsonObject,
});
export type RecordedEvent = Static<typeof RecordedEvent>;

/** `GET <prefix>/events`. */
export const EventList = Type.Object({ events: Type.Array(RecordedEvent) });
export type EventList = Static<typeof EventList>;

/** `GET /healthz`. */
export const Health = Type.Object({ status: Type.Literal('ok'), components: Type.Array(Type.String()) });
export type Health = Static<typeof Health>;

/** `GET <prefix>/whoami`: the scope and subject of the bearer token on that component. */
export const WhoAmI = Type.Object({ component: Type.String(), scope: Type.String(), subject: Nullable(Type.String()) });
export type WhoAmI = Static<typeof WhoAmI>;

/** A JWS-carrying answer: the signed revocation list `{ list }`. */
export const SignedList = Type.Object({ list: Jws });
export type SignedList = Static<typeof SignedList>;

// The protocol's CalBundle and this schema are one shape: tsc refuses the build if they drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type CalBundleMatchesProtocol = Assert<Same<CalBundle, ProtocolCalBundle>>;
