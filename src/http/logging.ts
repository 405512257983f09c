import type { DestinationStream, LoggerOptions } from 'pino';

/**
 * Never log secrets: bearer tokens, pack keys, join and organization tokens (DESIGN: pack keys are shown once).
 * Bodies are not logged at all by default (Fastify's request serializer logs method, url and address only).
 */
export const redactPaths: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'token',
  'packKey',
  'joinToken',
  'orgToken',
  '*.token',
  '*.packKey',
  '*.joinToken',
  '*.orgToken',
  '*.*.token',
  '*.*.packKey',
  '*.*.joinToken',
  '*.*.orgToken',
];

export function loggerOptions(options: LoggerOptions & { stream?: DestinationStream }): LoggerOptions & { stream?: DestinationStream } {
  return { level: 'info', ...options, redact: { paths: [...redactPaths], censor: '[redacted]' } };
}
