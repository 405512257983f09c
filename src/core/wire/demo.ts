/** The demo mode's answers (`opencal serve --demo` only): its manual clock. */
import { Type, type Static } from 'typebox';
import { Timestamp } from './schema';

/** `GET /demo/clock`. */
export const DemoClock = Type.Object({ now: Timestamp });
export type DemoClock = Static<typeof DemoClock>;

/** `POST /demo/clock/advance`. */
export const DemoClockAdvanced = Type.Object({ before: Timestamp, now: Timestamp, advancedBy: Type.String({ description: 'the duration as given, e.g. 91d' }) });
export type DemoClockAdvanced = Static<typeof DemoClockAdvanced>;
