/**
 * The license server's use cases, as its routes, the CLI and the composition root call them: each one bound to
 * the component's dependencies (context.ts). Routes import this file's type, never module.ts; module.ts builds
 * the dependencies and calls `licenseServerUseCases`. A change made through `ctx.change` drops the issuance cache
 * when it is over (the transaction runner does it, not each use case).
 */
import type { IssuedSortName } from '../core/issued-list';
import { eventsCsv, pageEvents, queryEvents, type EventFilter, type EventListFilter } from '../events/event-log';
import type { PageRequest } from '../core/paged-list';
import { ok } from '../core/result';
import * as activation from './activation.usecase';
import { checkIn } from './check-in.usecase';
import { dryRunCal, type DryRunRequest } from './dry-run.usecase';
import type { LicenseServerContext } from './context';
import * as hosts from './hosts.usecase';
import * as issuance from './issuance.usecase';
import * as issued from './issued.usecase';
import * as keyPacks from './key-packs.usecase';
import * as repo from './license-server.repository';
import { importDocuments } from './import.usecase';
import { rebuild } from './rebuild.usecase';
import { identity, status } from './status.usecase';
import { issuanceStats } from './stats.usecase';
import type { StatsRange } from '../core/issuance-stats';

export function licenseServerUseCases(ctx: LicenseServerContext) {
  return {
    identity: () => identity(ctx),
    status: () => status(ctx),
    issuanceStats: (range: StatsRange) => issuanceStats(ctx, range),
    activate: (input: activation.ActivateInput) => activation.activate(ctx, input),
    reactivate: (input: activation.ReactivateInput) => activation.reactivate(ctx, input),
    deactivate: () => activation.deactivate(ctx),
    makeMigrationCode: (input: Parameters<typeof activation.makeMigrationCode>[1]) => activation.makeMigrationCode(ctx, input),
    listKeyPacks: () => keyPacks.listKeyPacks(ctx),
    installByPackKey: (input: keyPacks.InstallByPackKey) => keyPacks.installByPackKey(ctx, input),
    installByKeyPackId: (input: { keyPackId: string; method?: 'web' | 'phone' }) => keyPacks.installByKeyPackId(ctx, input),
    requestCal: (host: string, req: issuance.CalRequest) => issuance.requestCal(ctx, host, req),
    validateCal: (host: string, jti: string) => issuance.validateCal(ctx, host, jti),
    dryRunCal: (host: string, req: DryRunRequest) => dryRunCal(ctx, host, req),
    createJoinToken: (input: { name: string }) => hosts.createJoinToken(ctx, input),
    enroll: (input: { joinToken: string; name: string; statement?: string }) => hosts.enroll(ctx, input),
    authenticateHost: (input: { signature: string; method: string; path: string; body: unknown }) => hosts.authenticateHost(ctx, input),
    refreshHostRegistry: () => hosts.refreshHostRegistry(ctx),
    tokens: (filter: { includeRevoked?: boolean } = {}) => hosts.listLicenseServerTokens(ctx, filter),
    revokeToken: (id: string) => hosts.revokeLicenseServerToken(ctx, id),
    listHosts: (filter?: repo.HostListFilter, request?: PageRequest) => hosts.listHosts(ctx, filter, request),
    hostsCsv: (filter: repo.HostListFilter, request: Pick<PageRequest, 'sort' | 'order'>) => hosts.hostsCsv(ctx, filter, request),
    setAllowList: (input: { enabled: boolean; hosts: string[] }) => hosts.setAllowList(ctx, input),
    listIssued: (filter: repo.IssuedPageQuery) => issued.listIssued(ctx, filter),
    pageIssued: (request: issued.IssuedPageRequest) => issued.pageIssued(ctx, request),
    issuedCsvStream: (filter: repo.IssuedFilter, sort?: IssuedSortName) => issued.issuedCsvStream(ctx, filter, sort),
    issuedCsv: issued.issuedCsv,
    revoke: (input: { device: string }) => issued.revoke(ctx, input),
    perUserReport: () => issued.perUserReport(ctx),
    rebuild: (input: { force?: boolean }) => rebuild(ctx, input),
    // A check-in also refreshes the organization's host registry (a failure there does not fail the check-in).
    checkIn: async () => {
      const result = await checkIn(ctx);
      if (!result.ok) return result;
      const registry = await hosts.refreshHostRegistry(ctx);
      return registry.ok ? ok({ ...result.value, hostsInRegistry: registry.value.hosts }) : result;
    },
    importDocuments: (file: unknown) => importDocuments(ctx, file),
    setSettings: async (input: { preventUpgrade?: boolean }) => {
      if (input.preventUpgrade !== undefined) {
        const preventUpgrade = input.preventUpgrade;
        await ctx.change(async (trx) => ok(await repo.updateServer(trx, { preventUpgrade })));
      }
      const s = await repo.getServer(ctx.db);
      return { preventUpgrade: s.preventUpgrade, allowListEnabled: s.allowListEnabled };
    },
    events: (filter: Omit<EventFilter, 'component'>) => queryEvents(ctx.db, { ...filter, component: 'license-server' }),
    eventPage: (filter: Omit<EventListFilter, 'component'>, request: PageRequest) => pageEvents(ctx.db, { ...filter, component: 'license-server' }, request),
    eventsCsv: (filter: Omit<EventListFilter, 'component'>, request: Pick<PageRequest, 'sort' | 'order'>) => eventsCsv(ctx.db, { ...filter, component: 'license-server' }, request),
  };
}

export type LicenseServerUseCases = ReturnType<typeof licenseServerUseCases>;
