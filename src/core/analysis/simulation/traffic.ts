/**
 * Simulated traffic for one canary run, one tick at a time: Poisson arrivals
 * split between the arms by the canary share, lognormal latencies counted in
 * buckets, errors and mirrored disagreements at each arm's own rate, and an
 * optional outage that fails every request on both arms for a while.
 */
import type { Answer } from '../predictions.js';
import type { TickInput, VariantCounts } from '../types.js';
import { drawAnswer, drawMirroredDistance, type AnswerModel } from './answers.js';
import { binomial, lognormalBuckets, poisson } from './samplers.js';
import type { Random } from './prng.js';

export interface ArmModel {
  /** Probability that a request fails. */
  readonly errorRate: number;
  readonly latencyMedianS: number;
  readonly latencySigma: number;
  /** Probability that a mirrored answer disagrees with the primary's (canary only). */
  readonly disagreement?: number;
  /** How the arm's model answers; with it every successful request yields an answer, and mirrored pairs compare answers. */
  readonly answers?: AnswerModel;
}

export interface TrafficModel {
  readonly requestsPerSecond: number;
  readonly canaryShare: number;
  readonly bucketBounds: readonly number[];
  readonly primary: ArmModel;
  readonly canary: ArmModel;
  /** Mirrored pairs per second (0: no mirroring). */
  readonly mirroredPerSecond?: number;
  /** Seconds into the run during which every request on both arms fails. */
  readonly outage?: { readonly fromS: number; readonly toS: number };
  readonly tickS?: number;
  readonly startMs?: number;
}

export interface TrafficSimulator {
  /** The counts of the next tick. */
  next(): TickInput;
}

export function createTrafficSimulator(model: TrafficModel, random: Random): TrafficSimulator {
  const tickS = model.tickS ?? 1;
  const startMs = model.startMs ?? 0;
  const arms = {
    primary: { model: model.primary, mean: model.requestsPerSecond * (1 - model.canaryShare) * tickS },
    canary: { model: model.canary, mean: model.requestsPerSecond * model.canaryShare * tickS },
  };
  const probs = {
    primary: lognormalBuckets(model.bucketBounds, model.primary.latencyMedianS, model.primary.latencySigma),
    canary: lognormalBuckets(model.bucketBounds, model.canary.latencyMedianS, model.canary.latencySigma),
  };
  let tick = 0;

  function arm(name: 'primary' | 'canary', inOutage: boolean): VariantCounts {
    const { model: armModel, mean } = arms[name];
    const latencyBuckets = probs[name].map((p) => poisson(random, mean * p));
    let requests = 0;
    for (const c of latencyBuckets) requests += c;
    const errors = binomial(random, requests, inOutage ? 1 : armModel.errorRate);
    return { requests, errors, latencyBuckets };
  }

  return {
    next(): TickInput {
      tick += 1;
      const atS = tick * tickS;
      const inOutage = model.outage !== undefined && atS > model.outage.fromS && atS <= model.outage.toS;
      const pairs = poisson(random, (model.mirroredPerSecond ?? 0) * tickS);
      const primaryAnswers = model.primary.answers;
      const canaryAnswers = model.canary.answers;
      let mirrored: number[] | undefined;
      if (pairs > 0 && primaryAnswers && canaryAnswers) {
        mirrored = Array.from({ length: pairs }, () => drawMirroredDistance(random, primaryAnswers, canaryAnswers));
      } else if (pairs > 0) {
        const disagreements = binomial(random, pairs, model.canary.disagreement ?? 0);
        mirrored = Array.from({ length: pairs }, (_, i) => (i < disagreements ? Infinity : 0));
      }
      const primary = arm('primary', inOutage);
      const canary = arm('canary', inOutage);
      const answersOf = (counts: VariantCounts, answerModel: AnswerModel): Answer[] =>
        Array.from({ length: counts.requests - counts.errors }, () => drawAnswer(random, answerModel));
      const answers = primaryAnswers && canaryAnswers && !model.mirroredPerSecond
        ? { primary: answersOf(primary, primaryAnswers), canary: answersOf(canary, canaryAnswers) }
        : undefined;
      return {
        atMs: startMs + atS * 1000,
        canaryShare: model.canaryShare,
        primary,
        canary,
        ...(mirrored ? { mirrored } : {}),
        ...(answers ? { answers } : {}),
      };
    },
  };
}
