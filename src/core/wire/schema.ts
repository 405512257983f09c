/**
 * Building blocks of the wire contract: the few TypeBox shapes every component's answers repeat. Schemas are
 * data (JSON Schema objects); their static types are what the CLI, the console, the device client and the
 * diagnoser read. See docs/architecture.md "The wire contract".
 */
import { Type, type Static, type TEnum, type TSchema } from 'typebox';

/**
 * One of a fixed list of strings or numbers: an `enum` in the OpenAPI document, with its JSON type (so that a
 * request's "2019" is coerced like any number field, and the serializer writes the value without a guess).
 */
export function oneOf<const Values extends (string | number)[]>(values: readonly [...Values], options: { description?: string } = {}): TEnum<Values> {
  const type = values.every((v) => typeof v === 'number') ? 'number' : values.every((v) => typeof v === 'string') ? 'string' : undefined;
  return Type.Enum(values, { ...(type ? { type } : {}), ...options });
}

/** A value or null: fields the database keeps as NULL and the answer shows as `null` (never omitted). */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** An ISO 8601 timestamp as the servers write it (`2026-01-31T12:00:00.000Z`). */
export const Timestamp = Type.String({ description: 'ISO 8601 timestamp' });

/** A JWS in compact form (header.payload.signature). */
export const Jws = Type.String({ description: 'JWS, compact serialization' });

/** A free-form JSON object kept as given (event data, case evidence): every field is passed through. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** `{ code, message }`: a warning or a problem a person reads. */
export const Notice = Type.Object({ code: Type.String(), message: Type.String() });
export type Notice = Static<typeof Notice>;
