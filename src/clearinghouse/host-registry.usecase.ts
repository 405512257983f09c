/**
 * The organization's host registry (DESIGN §4): the equivalent of RDS's "Terminal Server License Servers" group,
 * held by the clearinghouse rather than by one license server's database, so that a license server reinstalled
 * at the same address recognises the organization's session hosts without a new join token.
 *
 * A license server of the organization registers a host when it enrols (its signed request carries the host's
 * own signed enrolment statement: proof that the host holds the key); a license server fetches its
 * organization's registry (signed request) when an unknown host signs a request and at check-in. Re-enrolment of
 * a host name under a new key retires the old key. Organizations list and retire their hosts (`ch:org`), the
 * operator any (`ch:admin`).
 */
import { ok, refuse, type Result } from '../core/result';
import { verifyHostEnrolment } from '../trust/index';
import { findServer } from './clearinghouse.repository';
import type { Actor, ChContext } from './context';
import { findHost, listRegisteredHosts, retireHost, retireHostName, upsertHost, type RegisteredHost } from './host-registry.repository';
import type { VerifiedRequest } from './signed-request';

/** A host as the API shows it: the registered host, without who retired it. */
export type HostView = Omit<RegisteredHost, 'retiredBy'>;

function view({ retiredBy: _retiredBy, ...h }: RegisteredHost): HostView {
  return h;
}

/** The organization of an activated license server, or the refusal that says it has none yet. */
async function organizationOf(ctx: ChContext, serverId: string): Promise<Result<string>> {
  const server = await findServer(ctx.db, serverId);
  if (!server || server.status !== 'activated' || server.orgId === null) {
    return refuse('LICENSE_SERVER_NOT_ACTIVATED', { serverId, status: server?.status ?? 'unknown', action: 'register' });
  }
  return ok(server.orgId);
}

/**
 * How old a host's enrolment statement may be: a license server that enrolled a host while the clearinghouse was
 * out of reach registers it at a later check-in, with the statement the host signed then.
 */
/** Checks a host's signed enrolment statement (src/trust/host-identity.ts, the license server checks it the same way). */
function checkStatement(ctx: ChContext, statement: unknown): Promise<Result<{ hostId: string; name: string; publicKey: string }>> {
  return verifyHostEnrolment(statement, ctx.clock.now());
}

/**
 * `POST /ch/v1/servers/hosts/register`: a license server registers the session host it has just enrolled.
 * The host's previous key under the same name in the organization is retired (re-enrolment).
 */
export async function registerHost(
  ctx: ChContext,
  req: VerifiedRequest<unknown>,
): Promise<Result<{ hostId: string; orgId: string; name: string; retired: string[] }>> {
  const org = await organizationOf(ctx, req.serverId);
  if (!org.ok) return org;
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { statement?: unknown };
  const statement = await checkStatement(ctx, body.statement);
  if (!statement.ok) return statement;
  const { hostId, name, publicKey } = statement.value;
  const actor: Actor = `server:${req.serverId}`;
  return ctx.change(async (trx, log, at) => {
    const existing = await findHost(trx, hostId);
    if (existing && existing.orgId !== org.value) {
      // One key, one organization: a host of another organization is not taken over by re-registering its key.
      return refuse('HOST_ENROLMENT_PROOF_INVALID', { problem: 'organization' });
    }
    const iso = at.toISOString();
    const retired = await retireHostName(trx, org.value, name, hostId, iso, actor);
    await upsertHost(trx, { hostId, orgId: org.value, name, publicKey, at: iso, by: actor });
    for (const old of retired) {
      log.event(9041, { hostId: old, name, orgId: org.value, by: actor });
      log.record({ actor, action: 'host.retired', subject: old, data: { name, orgId: org.value, replacedBy: hostId } });
    }
    log.event(9040, { hostId, name, orgId: org.value, serverId: req.serverId });
    log.record({ actor, action: 'host.registered', subject: hostId, data: { name, orgId: org.value, publicKey } });
    return ok({ hostId, orgId: org.value, name, retired });
  });
}

/** `POST /ch/v1/servers/hosts`: the live hosts of the calling license server's organization. */
export async function registryForServer(
  ctx: ChContext,
  req: { serverId: string },
): Promise<Result<{ orgId: string; hosts: { hostId: string; name: string; publicKey: string }[] }>> {
  const org = await organizationOf(ctx, req.serverId);
  if (!org.ok) return org;
  const hosts = await listRegisteredHosts(ctx.db, { orgId: org.value });
  return ok({ orgId: org.value, hosts: hosts.map((h) => ({ hostId: h.hostId, name: h.name, publicKey: h.publicKey })) });
}

/** `GET /ch/v1/hosts`: an organization's hosts (or every organization's, for the operator). */
export async function listHosts(ctx: ChContext, filter: { orgId?: string; includeRetired?: boolean }): Promise<HostView[]> {
  return (await listRegisteredHosts(ctx.db, filter)).map(view);
}

/** `DELETE /ch/v1/hosts/:hostId`: retires a host's key; license servers stop recognising it at their next refresh. */
export async function retireRegisteredHost(ctx: ChContext, input: { hostId: string; orgId?: string }, actor: Actor): Promise<Result<HostView>> {
  return ctx.change(async (trx, log, at) => {
    const done = await retireHost(trx, input.hostId, at.toISOString(), actor, input.orgId);
    if (!done) return refuse('HOST_NOT_FOUND', { hostId: input.hostId });
    const host = (await findHost(trx, input.hostId))!;
    log.event(9041, { hostId: host.hostId, name: host.name, orgId: host.orgId, by: actor });
    log.record({ actor, action: 'host.retired', subject: host.hostId, data: { name: host.name, orgId: host.orgId } });
    return ok(view(host));
  });
}
