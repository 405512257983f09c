/**
 * The session host's use cases, as its routes, the gate, the CLI and the composition root call them: each one
 * bound to the component's dependencies (context.ts). Routes import this file's type, never module.ts or the
 * repository; module.ts builds the dependencies and calls `sessionHostUseCases`.
 */
import { eventsCsv, pageEvents, queryEvents, type EventFilter, type EventListFilter } from '../events/event-log';
import type { PageRequest } from '../core/paged-list';
import { connect } from './admission.usecase';
import { currentGrace, effectiveConfig, emit, enroll, setLayer, status, type SetLayerInput } from './config.usecase';
import type { SessionHostContext } from './context';
import {
  createGateCredential,
  isKnownDevice,
  listGateCredentials,
  recordNewDevicesLimited,
  recordReportedRefusal,
  revokeGateCredential,
} from './gate-front-end.usecase';
import { probeLicenseServers } from './probe.usecase';
import { listAdmissions, type AdmissionListFilter } from './session-host.repository';
import { admissionPage, admissionsCsv } from './admissions.usecase';
import { refreshTrust } from './trust.usecase';

export function sessionHostUseCases(ctx: SessionHostContext) {
  return {
    connect: (input: unknown) => connect(ctx, input),
    status: () => status(ctx),
    setLayer: (input: SetLayerInput) => setLayer(ctx, input),
    enroll: (licenseServerUrl: string, joinToken: string) => enroll(ctx, licenseServerUrl, joinToken),
    /** `origin`: the URL the caller reached this host at (the PAM lines name it). */
    emit: (format: string, origin?: string) => emit(ctx, format, origin),
    /** the trust anchor, the revocation list and the identities of the license servers configured now. */
    refresh: async () => refreshTrust(ctx, (await effectiveConfig(ctx)).licenseServers.value),
    grace: () => currentGrace(ctx),
    /** each listed license server's CAL decision for this host, issuing nothing. */
    probe: () => probeLicenseServers(ctx),
    admissions: (filter?: Parameters<typeof listAdmissions>[1]) => listAdmissions(ctx.database.db, filter),
    admissionPage: (filter: AdmissionListFilter, request: PageRequest) => admissionPage(ctx, filter, request),
    admissionsCsv: (filter: AdmissionListFilter, request: Pick<PageRequest, 'sort' | 'order'>) => admissionsCsv(ctx, filter, request),
    // ---- gate front ends (gate-front-end.usecase.ts)
    /** a gate front-end credential (token shown once) */
    createGateCredential: (label: string) => createGateCredential(ctx, label),
    gateCredentials: (includeRevoked = false) => listGateCredentials(ctx, includeRevoked),
    revokeGateCredential: (id: string) => revokeGateCredential(ctx, id),
    /** whether the device (name and hardware ID) was ever admitted here: the new-device limit spares it */
    isKnownDevice: (device: string, hwid: string) => isKnownDevice(ctx, device, hwid),
    recordNewDevicesLimited: (data: Parameters<typeof recordNewDevicesLimited>[1]) => recordNewDevicesLimited(ctx, data),
    recordReportedRefusal: (data: Parameters<typeof recordReportedRefusal>[1]) => recordReportedRefusal(ctx, data),
    events: (filter: Omit<EventFilter, 'component'>) => queryEvents(ctx.database.db, { ...filter, component: 'session-host' }),
    eventPage: (filter: Omit<EventListFilter, 'component'>, request: PageRequest) => pageEvents(ctx.database.db, { ...filter, component: 'session-host' }, request),
    eventsCsv: (filter: Omit<EventListFilter, 'component'>, request: Pick<PageRequest, 'sort' | 'order'>) => eventsCsv(ctx.database.db, { ...filter, component: 'session-host' }, request),
  };
}

export type SessionHostUseCases = ReturnType<typeof sessionHostUseCases>;
