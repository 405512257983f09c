/**
 * A log that cannot be written never ends the server: lines are dropped and counted (issue 13: "the process dies
 * on an unhandled ENOSPC from the log stream"). /dev/full answers every write with ENOSPC; a child process that
 * has exited makes its standard input answer EPIPE.
 */
import { spawn } from 'node:child_process';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { guardedDestination, logFileDestination } from '../../src/http/logging';

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('a failing log stream', () => {
  it('when the log file cannot be written (ENOSPC), pino goes on and the lines are counted as dropped', async () => {
    const destination = logFileDestination('/dev/full');
    const log = pino({}, destination);
    for (let i = 0; i < 20; i++) {
      log.info({ i }, 'a line');
      await settle();
    }
    expect(destination.dropped).toBe(20);
    destination.close();
  });

  it('when standard output is a closed pipe (EPIPE), writing log lines neither throws nor ends the process', async () => {
    // The reader closes its end of the pipe and stays alive: the next writes fail with EPIPE.
    const child = spawn('sh', ['-c', 'exec 0<&-; echo closed; sleep 5'], { stdio: ['pipe', 'pipe', 'ignore'] });
    await new Promise((resolve) => child.stdout!.once('data', resolve));
    const destination = guardedDestination(child.stdin!);
    const log = pino({}, destination);
    for (let i = 0; i < 10; i++) {
      log.info({ i }, 'a line');
      await settle();
    }
    expect(destination.dropped).toBeGreaterThan(0);
    child.kill('SIGKILL');
  });
});
