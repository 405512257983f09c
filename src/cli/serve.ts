import type { Command } from 'commander';
import { refusal } from '../core/result';
import { addConfigOptions, configFromOptions } from './config-options';
import { ExitCode, fail, untilShutdown, type CliContext, type CliIo } from './io';
import { opencalVersion } from './version';

/** `opencal serve`: one HTTP server on --host/--port (health, metrics, OpenAPI; components are added by main). */
export async function serve(io: CliIo, options: Record<string, unknown>): Promise<number> {
  const resolved = configFromOptions(io, options);
  if (!resolved.ok) return fail(io, resolved.error);
  const config = resolved.value.values;
  const { buildServer } = await import('../http/server');
  const app = await buildServer({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, stream: io.stdout as { write(msg: string): void } },
    components: [],
    version: opencalVersion(),
  });
  let address: string;
  try {
    address = await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      return fail(io, refusal('PORT_IN_USE', { host: config.host, port: config.port }));
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      return fail(io, refusal('CANNOT_LISTEN', { host: config.host, port: config.port, reason: code }));
    }
    throw e;
  }
  io.stdout.write(`OpenCAL listening on ${address} (API docs: ${address}/docs)\n`);
  await untilShutdown(io);
  await app.close();
  return ExitCode.OK;
}

export function serveCommand(program: Command, ctx: CliContext): void {
  addConfigOptions(program.command('serve').description('run the OpenCAL server (health, metrics, API docs) until interrupted')).action(
    ctx.action((options: Record<string, unknown>) => serve(ctx.io, options)),
  );
}
