// The life of one benchmark process: everything it starts dies with it, whether it finishes, fails, is
// interrupted (SIGINT/SIGTERM) or runs out of time. Not a benchmark itself: bench/run.mjs only runs
// bench/*.mjs.
import { rm } from 'node:fs/promises';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `killAfterMs`; waits for the exit at most `waitMs`. */
export async function stopChild(child, { killAfterMs = 3_000, waitMs = 5_000 } = {}) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await Promise.race([exited, sleep(waitMs)]);
  clearTimeout(t);
}

/**
 * Starts the overall time limit and takes over SIGINT/SIGTERM. Returns the benchmark's lifecycle:
 * - `current` (the child a timedRun is waiting for), `server` (from adoptServer) and `tmp` (a temp dir):
 *   what cleanup stops, kills and removes;
 * - `onCleanup(step)`: one more step for cleanup, run after `current` is killed, before the server stops;
 * - `adoptServer(server)`: records a started lab server and takes the signals back from the lab;
 * - `run(main)`: runs the benchmark (`main` resolves its exit code), then cleans up and exits.
 */
export function startLifecycle({ log, overallTimeoutMs }) {
  /** Set when a signal or the overall timeout stops the run: its errors are then not failures to report. */
  let interrupted;
  let cleaning;
  const steps = [];
  const life = { current: undefined, server: undefined, tmp: undefined };

  /** Stops everything once; every caller (main flow, signal, overall timeout) waits for the same work. */
  function cleanup() {
    cleaning ??= (async () => {
      const { server, current, tmp } = life;
      if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
      for (const step of [...steps]) await step();
      if (server) await Promise.race([server.stop(), sleep(10_000)]);
      // Temp files (a 2 GiB log, say) must go even when the server did not stop in time.
      if (tmp) await rm(tmp, { recursive: true, force: true });
    })();
    return cleaning;
  }

  const overall = setTimeout(() => {
    log(`FAIL: the benchmark did not finish within ${overallTimeoutMs / 1000} s; stopping everything`);
    interrupted = 'timeout';
    cleanup().finally(() => process.exit(1));
  }, overallTimeoutMs);

  const onSignal = (signal) => {
    interrupted = signal;
    log(`${signal}: stopping`);
    cleanup().finally(() => process.exit(1));
  };
  /**
   * Ours must be the only SIGINT/SIGTERM handlers: the lab's (installed by startRedis) kills the server and
   * re-raises the signal at once, before the rest of cleanup (a connection holder, the temp files) has run.
   * Its 'exit' hook (SIGKILL to any server still alive) stays.
   */
  function ownSignals() {
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.removeAllListeners(signal);
      process.once(signal, onSignal);
    }
  }
  ownSignals();

  life.onCleanup = (step) => {
    steps.push(step);
  };
  life.adoptServer = (server) => {
    life.server = server;
    ownSignals();
  };
  life.run = async (main) => {
    let exitCode = 1;
    try {
      exitCode = await main();
    } catch (error) {
      if (!interrupted) log(`FAIL: ${error instanceof Error ? error.message : String(error)}`);
      exitCode = 1;
    } finally {
      await cleanup();
      clearTimeout(overall);
    }
    process.exit(exitCode);
  };
  return life;
}
