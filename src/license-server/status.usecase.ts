/** What the license manager shows: identity, version, activation, key packs and issued counts. */
import { activationView } from './activation.usecase';
import type { LicenseServerContext } from './context';
import { keyPackView } from './key-packs.usecase';
import * as repo from './license-server.repository';
import { reportLapses } from './provisional.usecase';
import type { LicenseServerStatus } from '../core/wire/license-server';

export async function identity(ctx: LicenseServerContext) {
  const server = await repo.getServer(ctx.db);
  return {
    serverId: ctx.serverId,
    productId: ctx.productId,
    publicKey: ctx.publicKey,
    version: ctx.serverVersion,
    ...(server.certificate ? { certificate: server.certificate } : {}),
  };
}

export async function status(ctx: LicenseServerContext): Promise<LicenseServerStatus> {
  await reportLapses(ctx);
  const now = ctx.clock.now();
  const server = await repo.getServer(ctx.db);
  const packs = await repo.listKeyPacks(ctx.db);
  const counts = await repo.countIssued(ctx.db);
  const anchor = ctx.clearinghouse.cached();
  const chain = ctx.chain.read();
  const seconds = (at: number) => new Date(at * 1000).toISOString();
  const checkpointView = (c: { seq: number; head: string; at: number }) => ({ seq: c.seq, head: c.head, at: seconds(c.at) });
  const count = (kind: string) => counts.filter((c) => c.kind === kind && c.status === 'active').reduce((s, c) => s + c.n, 0);
  return {
    serverId: ctx.serverId,
    productId: ctx.productId,
    version: ctx.serverVersion,
    instanceId: server.instanceId,
    activation: activationView(server, now),
    keyPacks: packs.map((k) => keyPackView(k, now)),
    issued: { temporary: count('temporary'), permanent: count('permanent'), user: count('user') },
    settings: { preventUpgrade: server.preventUpgrade, allowListEnabled: server.allowListEnabled },
    clearinghouse: {
      url: ctx.clearinghouse.url,
      fingerprint: anchor?.fingerprint,
      lastCheckInAt: server.lastCheckInAt?.toISOString(),
      lastCheckInResult: server.lastCheckInResult,
      revocationsSeq: server.revocationsSeq,
      chain: { counter: chain.counter, pending: chain.pending !== undefined, ...(chain.fork ? { fork: chain.fork } : {}) },
      ...(chain.checkpoint ? { auditCheckpoint: checkpointView(chain.checkpoint) } : {}),
      ...(chain.checkpointRegression
        ? {
            checkpointRegression: {
              problem: chain.checkpointRegression.problem,
              seen: checkpointView(chain.checkpointRegression.seen),
              kept: checkpointView(chain.checkpointRegression.kept),
              at: chain.checkpointRegression.at,
            },
          }
        : {}),
    },
  };
}
