/**
 * The session host's use cases, as its routes, the gate, the CLI and the composition root call them: each one
 * bound to the component's dependencies (context.ts). Routes import this file's type, never module.ts or the
 * repository; module.ts builds the dependencies and calls `sessionHostUseCases`.
 */
import { queryEvents, type EventFilter } from '../events/event-log';
import { connect } from './admission.usecase';
import { currentGrace, effectiveConfig, emit, enroll, setLayer, status, type SetLayerInput } from './config.usecase';
import type { SessionHostContext } from './context';
import { probeLicenseServers } from './probe.usecase';
import { listAdmissions } from './session-host.repository';
import { refreshTrust } from './trust.usecase';

export function sessionHostUseCases(ctx: SessionHostContext) {
  return {
    connect: (input: unknown) => connect(ctx, input),
    status: () => status(ctx),
    setLayer: (input: SetLayerInput) => setLayer(ctx, input),
    enroll: (licenseServerUrl: string, joinToken: string) => enroll(ctx, licenseServerUrl, joinToken),
    emit: (format: string) => emit(ctx, format),
    /** the trust anchor, the revocation list and the identities of the license servers configured now. */
    refresh: async () => refreshTrust(ctx, (await effectiveConfig(ctx)).licenseServers.value),
    grace: () => currentGrace(ctx),
    /** each listed license server's CAL decision for this host, issuing nothing. */
    probe: () => probeLicenseServers(ctx),
    admissions: (filter?: Parameters<typeof listAdmissions>[1]) => listAdmissions(ctx.database.db, filter),
    events: (filter: Omit<EventFilter, 'component'>) => queryEvents(ctx.database.db, { ...filter, component: 'session-host' }),
  };
}

export type SessionHostUseCases = ReturnType<typeof sessionHostUseCases>;
