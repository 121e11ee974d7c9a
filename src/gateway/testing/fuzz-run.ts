/** Runs the gateway's differential fuzzing in one direction and counts what happened. */
import fc from 'fast-check';
import { requestCases, responseCases } from './fuzz-cases.js';
import { runRequestCase, type CaseOutcome } from './request-differential.js';
import { runResponseCase } from './response-differential.js';

export type Direction = 'requests' | 'responses';

export interface FuzzOptions {
  direction: Direction;
  seed: number;
  /** Stop after this many cases… */
  numRuns: number;
  /** …or after this long, whichever comes first. */
  timeLimitMs: number;
}

export interface FuzzCounts {
  cases: number;
  valid: number;
  /** Cases where the other side got every message llhttp reads. */
  forwardedAll: number;
  /** Cases where the gateway refused or cut at least one message. */
  refused: number;
}

/** Throws (fast-check's report, with the shrunk case) when the property fails. */
export async function fuzzGateway(options: FuzzOptions): Promise<FuzzCounts> {
  const counts: FuzzCounts = { cases: 0, valid: 0, forwardedAll: 0, refused: 0 };
  const check = (outcome: CaseOutcome, valid: boolean): boolean => {
    counts.cases++;
    if (valid) counts.valid++;
    if (outcome.refused) counts.refused++;
    else counts.forwardedAll++;
    if (outcome.problems.length > 0) throw new Error(outcome.problems.join('\n'));
    return true;
  };
  const parameters = { seed: options.seed, numRuns: options.numRuns, interruptAfterTimeLimit: options.timeLimitMs, markInterruptAsFailure: false, includeErrorInReport: true };
  if (options.direction === 'requests') await fc.assert(fc.asyncProperty(requestCases, async (c) => check(await runRequestCase(c), c.valid)), parameters);
  else await fc.assert(fc.asyncProperty(responseCases, async (c) => check(await runResponseCase(c), c.valid)), parameters);
  return counts;
}
