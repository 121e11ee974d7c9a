/**
 * The shape a local state file must have before kcanary acts on it: the
 * rollout status with its ranges (weights in 0..100, a known phase, counts
 * that are whole and not negative, times that are times). Fields it does not
 * know are kept, so a newer minor addition to the status does not make an
 * older file unreadable; the file's version guards real format changes.
 */
import { z } from 'zod';
import { PHASES, type Phase } from '../core/phase.js';

const phase = z.enum(PHASES as [Phase, ...Phase[]], { error: `must be one of ${PHASES.join(', ')}` });
const percent = z.number({ error: 'must be a number' }).min(0, 'must be a percent from 0 to 100').max(100, 'must be a percent from 0 to 100');
const count = z.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must not be negative');
const time = z.string({ error: 'must be a time' }).refine((value) => Number.isFinite(Date.parse(value)), 'must be an ISO time');
const verdict = z.enum(['pass', 'fail', 'inconclusive', 'error']);

const metricResult = z.looseObject({
  name: z.string(),
  value: z.number().nullable(),
  threshold: z.string(),
  verdict,
  message: z.string(),
  eValue: z.number().optional(),
  pValue: z.number().optional(),
});

const rolloutStatus = z.looseObject({
  phase,
  stepIndex: z.number({ error: 'must be a number' }).int('must be a whole number').min(-1, 'must be -1 (before the first step) or more'),
  canaryWeight: percent,
  observedWeight: percent.nullable(),
  gated: z.boolean(),
  stepStartedAt: time.nullable(),
  windowStartedAt: time.nullable(),
  waitingSince: time.nullable(),
  failures: count,
  inconclusives: count,
  message: z.string(),
  lastAnalysis: z.looseObject({ at: time, verdict, results: z.array(metricResult) }).nullable(),
  judge: z.unknown(),
  history: z.array(z.looseObject({ at: time, from: phase.nullable(), to: phase, weight: percent, reason: z.string() })),
  specHash: z.string(),
  stableStorageUri: z.string().min(1, 'must not be empty'),
  canaryStorageUri: z.string().min(1, 'must not be empty'),
  startedAt: time,
  updatedAt: time,
});

export const localStateSchema = z.looseObject({
  canary: z.looseObject({ name: z.string().min(1, 'must not be empty'), specFile: z.string() }),
  status: rolloutStatus,
  control: z.looseObject({
    url: z.string().url('must be a URL'),
    token: z.string(),
    pid: z.number().int().positive('must be a process id'),
  }).nullable(),
  processes: z.array(z.looseObject({ pid: z.number().int().positive('must be a process id'), role: z.string() })),
});

/** Each problem of a state file as `status.canaryWeight: must be a percent from 0 to 100`. */
export function stateProblems(value: unknown): string[] {
  const parsed = localStateSchema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(file)'}: ${issue.message}`);
}
