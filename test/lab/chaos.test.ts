/**
 * A short seeded chaos run per wrapped client (the long one, beside the raw clients, is in
 * `npm run bench`): resets, blackholes, lost and slow replies, kill -9 and SHUTDOWN, CLIENT KILL and
 * `timeout 1` while the client runs unique-key INCRs, MULTI and pipelines, SETs and a pub/sub stream.
 */
import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, faultSchedule } from '../../src/lab/chaos/fault-schedule.js';
import { type ChaosReport, chaosViolations, runChaos } from '../../src/lab/chaos/run-chaos.js';

// Seeds chosen so that the two runs between them draw every kind of fault.
const RUNS = [
  { library: 'ioredis', seed: 19 },
  { library: 'node-redis', seed: 24 },
] as const;
const DURATION_MS = 25_000;

describe('faultSchedule', () => {
  it('is the same for the same seed, never overlaps, and the chosen seeds draw every kind', () => {
    expect(faultSchedule(19, DURATION_MS)).toEqual(faultSchedule(19, DURATION_MS));
    expect(faultSchedule(19, DURATION_MS)).not.toEqual(faultSchedule(20, DURATION_MS));
    for (const { seed } of RUNS) {
      const faults = faultSchedule(seed, DURATION_MS);
      for (let i = 1; i < faults.length; i++) {
        const previous = faults[i - 1] as (typeof faults)[number];
        expect(faults[i]?.atMs).toBeGreaterThanOrEqual(previous.atMs + previous.holdMs + 1000);
      }
    }
    const drawn = new Set(RUNS.flatMap(({ seed }) => faultSchedule(seed, DURATION_MS).map((f) => f.kind)));
    expect([...drawn].sort()).toEqual([...FAULT_KINDS].sort());
  });
});

describe('chaosViolations', () => {
  it('names each broken promise, and RSS growth past the bound', () => {
    const clean: ChaosReport = {
      seed: 1,
      library: 'ioredis',
      wrapped: true,
      durationMs: 1000,
      faults: [],
      commands: { sent: 10, succeeded: 10, failed: 0, mayHaveRun: 0 },
      ranTwice: 0,
      late: 0,
      hung: 0,
      ackButLost: 0,
      failedButRan: 0,
      messages: { published: 5, received: 5, lost: 0, lostUntold: 0, gaps: 0 },
      rssMb: { start: 100, end: 120, peak: 130 },
    };
    expect(chaosViolations(clean)).toEqual([]);
    const broken = { ...clean, ranTwice: 2, failedButRan: 1, messages: { ...clean.messages, lostUntold: 3 } };
    expect(chaosViolations(broken)).toEqual([
      '2 ran twice',
      '1 failed but ran',
      '3 messages lost without a gap event',
    ]);
    expect(chaosViolations(clean, 10)).toEqual(['RSS grew 20 MB']);
  });
});

describe('lifeline(client) under a seeded chaos schedule', () => {
  for (const { library, seed } of RUNS) {
    it(`${library}, seed ${seed}: nothing ran twice, every promise settled, no ack-but-lost, no failed-but-ran, every gap told`, {
      timeout: DURATION_MS + 60_000,
    }, async () => {
      const report: ChaosReport = await runChaos({ seed, durationMs: DURATION_MS, library, wrapped: true });
      expect(chaosViolations(report, 100), JSON.stringify(report.faults)).toEqual([]);
      // The run did real work through real faults: thousands of commands, gaps reported for the
      // outages. (A failure is fine when it did not run, or said it may have: failedButRan above.)
      expect(report.commands.succeeded).toBeGreaterThan(1000);
      expect(report.messages.gaps).toBeGreaterThan(0);
    });
  }
});
