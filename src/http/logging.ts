import { closeSync, openSync, write, writeSync } from 'node:fs';
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

/** A log destination that never fails: see `logFileDestination` and `guardedDestination`. */
export interface SafeDestination extends DestinationStream {
  /** log lines lost so far because the destination failed (ENOSPC, EPIPE…). */
  readonly dropped: number;
  /** writes what is queued, then closes the file (if this destination opened one). */
  close(): void;
}

const MAX_QUEUED_BYTES = 1 << 20;

/**
 * Log lines appended to `path` (mode 0600), written asynchronously one batch at a time. A log is not worth the
 * server: when the file system refuses a write (ENOSPC, EROFS, EIO) the lines of that batch are dropped and
 * counted, the process goes on, and the next write tries again — so logging resumes by itself when space returns,
 * first with a line saying how many lines were lost. Without this, Node's file stream raises an unhandled
 * `error` event and the process exits (a full disk killed the license server).
 */
export function logFileDestination(path: string): SafeDestination {
  const fd = openSync(path, 'a', 0o600);
  let queue: string[] = [];
  let queuedBytes = 0;
  let writing = false;
  let dropped = 0;
  let reported = 0;
  let closed = false;

  const flush = () => {
    if (writing || queue.length === 0 || closed) return;
    const lines = queue;
    queue = [];
    queuedBytes = 0;
    const lost = dropped - reported;
    const text = (lost > 0 ? droppedLine(lost) : '') + lines.join('');
    writing = true;
    write(fd, text, null, 'utf8', (error) => {
      writing = false;
      if (error) dropped += lines.length;
      else reported += lost;
      flush();
    });
  };

  return {
    get dropped() {
      return dropped;
    },
    write(line: string) {
      if (closed) return;
      if (queuedBytes > MAX_QUEUED_BYTES) {
        dropped += 1;
        return;
      }
      queue.push(line);
      queuedBytes += line.length;
      flush();
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        if (queue.length > 0) writeSync(fd, queue.join(''));
      } catch {
        dropped += queue.length;
      }
      queue = [];
      closeSync(fd);
    },
  };
}

/**
 * Log lines to a stream the process does not own (standard output with `--log-file -`): a write that throws, or
 * an `error` event (EPIPE when the reader went away), drops the line instead of ending the process.
 */
export function guardedDestination(stream: { write(text: string): unknown; on?: (event: 'error', listener: (error: Error) => void) => unknown }): SafeDestination {
  let dropped = 0;
  let broken = false;
  stream.on?.('error', () => {
    broken = true;
    dropped += 1;
  });
  return {
    get dropped() {
      return dropped;
    },
    write(line: string) {
      if (broken) {
        dropped += 1;
        return;
      }
      try {
        stream.write(line);
      } catch {
        dropped += 1;
      }
    },
    close() {},
  };
}

function droppedLine(lost: number): string {
  return `${JSON.stringify({ level: 40, time: Date.now(), msg: `${lost} log lines were lost: the log could not be written (disk full or read-only?)`, droppedLines: lost })}\n`;
}
