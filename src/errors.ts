/**
 * kcanary's error classes: a small set with stable codes. Adapters translate
 * what they meet (API status codes, upstream failures) into these; only
 * `cli/main.ts` turns them into exit codes.
 */

export const ErrorCode = {
  Validation: 'KCANARY_ERR_VALIDATION',
  Usage: 'KCANARY_ERR_USAGE',
  State: 'KCANARY_ERR_STATE',
  Conflict: 'KCANARY_ERR_CONFLICT',
  NotFound: 'KCANARY_ERR_NOT_FOUND',
  Forbidden: 'KCANARY_ERR_FORBIDDEN',
  Upstream: 'KCANARY_ERR_UPSTREAM',
  Timeout: 'KCANARY_ERR_TIMEOUT',
  RolloutFailed: 'KCANARY_ERR_ROLLOUT_FAILED',
  Internal: 'KCANARY_ERR_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class KcanaryError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KcanaryError';
    this.code = code;
  }
}

/** One problem in a spec, named by its dot path (`spec.rollout.steps[2]`). */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export class ValidationError extends KcanaryError {
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], options?: { cause?: unknown; source?: string }) {
    const where = options?.source ? `${options.source}: ` : '';
    super(ErrorCode.Validation, `${where}invalid ModelCanary:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, options);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

export class UsageError extends KcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Usage, message, options);
    this.name = 'UsageError';
  }
}

/** A saved state that cannot be used: corrupt, foreign, or from another canary. */
export class StateError extends KcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.State, message, options);
    this.name = 'StateError';
  }
}

export class TimeoutError extends KcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Timeout, message, options);
    this.name = 'TimeoutError';
  }
}

/** The rollout ended rolled back or failed: exit code 3. */
export class RolloutFailedError extends KcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.RolloutFailed, message, options);
    this.name = 'RolloutFailedError';
  }
}

export class UpstreamError extends KcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Upstream, message, options);
    this.name = 'UpstreamError';
  }
}

/** Exit codes of the CLI (STYLE.md §7). */
export const ExitCode = { Ok: 0, Internal: 1, BadInput: 2, RolledBack: 3, Timeout: 4 } as const;

export function exitCodeOf(error: unknown): number {
  if (!(error instanceof KcanaryError)) return ExitCode.Internal;
  switch (error.code) {
    case ErrorCode.Validation:
    case ErrorCode.Usage:
    case ErrorCode.State:
    case ErrorCode.NotFound:
      return ExitCode.BadInput;
    case ErrorCode.RolloutFailed:
      return ExitCode.RolledBack;
    case ErrorCode.Timeout:
      return ExitCode.Timeout;
    default:
      return ExitCode.Internal;
  }
}
