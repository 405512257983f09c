/**
 * The clearinghouse's use cases, as its routes, the CLI and the composition root call them: each one bound to the
 * component's dependencies (context.ts). Routes import this file's type, never module.ts; module.ts builds the
 * dependencies and calls `clearinghouseUseCases`.
 */
import { eventsCsv, pageEvents, queryEvents, type EventFilter, type EventListFilter } from '../events/event-log';
import type { PageRequest } from '../core/paged-list';
import { activateAuto, activateByProductId, checkInSigned, deactivateAuto, deactivateByReceipt, holdings, reactivateAuto } from './activation.usecase';
import { auditOf, currentCheckpoint, signCheckpoint, verifyAgainstCheckpoint, verifyAudit } from './audit.usecase';
import { listServers } from './clearinghouse.repository';
import type { ChContext } from './context';
import { agents, createAgent, createOrganization, createPack, organizations, packs } from './directory.usecase';
import { signedRevocationList } from './documents';
import { exportDocuments } from './export.usecase';
import { listKeySet, revokeKey, rotateKeys, trustAnchor } from './keys.usecase';
import { listHosts, registerHost, registryForServer, retireRegisteredHost } from './host-registry.usecase';
import { installPack } from './install.usecase';
import { casePage, casesCsv, serverPage, serversCsv } from './lists.usecase';
import { approveCase, cases, getCase, rejectCase, submitMigration } from './migration.usecase';
import { verifySignedRequest, type SignedAction } from './signed-request';
import { listApiTokens, revokeApiToken } from './tokens.usecase';

function bind<A extends unknown[], R>(ctx: ChContext, fn: (ctx: ChContext, ...args: A) => R): (...args: A) => R {
  return (...args: A) => fn(ctx, ...args);
}

export function clearinghouseUseCases(ctx: ChContext) {
  return {
    trust: () => trustAnchor(ctx),
    revocations: () => signedRevocationList(ctx),
    keys: () => listKeySet(ctx),
    rotateKeys: bind(ctx, rotateKeys),
    revokeKey: bind(ctx, revokeKey),
    verifySignedRequest: <B>(request: unknown, action: SignedAction) => verifySignedRequest<B>(ctx, request, action),
    createOrganization: bind(ctx, createOrganization),
    organizations: bind(ctx, organizations),
    createAgent: bind(ctx, createAgent),
    agents: bind(ctx, agents),
    createPack: bind(ctx, createPack),
    packs: bind(ctx, packs),
    servers: (filter: { orgId?: string } = {}) => listServers(ctx.db, filter),
    serverPage: bind(ctx, serverPage),
    serversCsv: bind(ctx, serversCsv),
    activateAuto: bind(ctx, activateAuto),
    reactivateAuto: bind(ctx, reactivateAuto),
    deactivateAuto: bind(ctx, deactivateAuto),
    activateByProductId: bind(ctx, activateByProductId),
    deactivateByReceipt: bind(ctx, deactivateByReceipt),
    checkInSigned: bind(ctx, checkInSigned),
    holdings: bind(ctx, holdings),
    exportDocuments: bind(ctx, exportDocuments),
    installPack: bind(ctx, installPack),
    registerHost: bind(ctx, registerHost),
    registryForServer: bind(ctx, registryForServer),
    hosts: bind(ctx, listHosts),
    retireHost: bind(ctx, retireRegisteredHost),
    tokens: bind(ctx, listApiTokens),
    revokeToken: bind(ctx, revokeApiToken),
    submitMigration: bind(ctx, submitMigration),
    approveCase: bind(ctx, approveCase),
    rejectCase: bind(ctx, rejectCase),
    getCase: bind(ctx, getCase),
    cases: bind(ctx, cases),
    casePage: bind(ctx, casePage),
    casesCsv: bind(ctx, casesCsv),
    verifyAudit: () => verifyAudit(ctx),
    auditOf: bind(ctx, auditOf),
    signCheckpoint: () => signCheckpoint(ctx),
    currentCheckpoint: () => currentCheckpoint(ctx),
    verifyAgainstCheckpoint: bind(ctx, verifyAgainstCheckpoint),
    events: (filter: Omit<EventFilter, 'component'>) => queryEvents(ctx.db, { ...filter, component: 'clearinghouse' }),
    eventPage: (filter: Omit<EventListFilter, 'component'>, request: PageRequest) => pageEvents(ctx.db, { ...filter, component: 'clearinghouse' }, request),
    eventsCsv: (filter: Omit<EventListFilter, 'component'>, request: Pick<PageRequest, 'sort' | 'order'>) => eventsCsv(ctx.db, { ...filter, component: 'clearinghouse' }, request),
  };
}

export type ClearinghouseUseCases = ReturnType<typeof clearinghouseUseCases>;
