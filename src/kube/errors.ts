/**
 * Kubernetes API failures as kcanary errors. Each class says what kind of
 * failure it is (and so whether a retry can help); the request that failed
 * is named in the message, so a person can act on it without a stack trace.
 */
import { ErrorCode, KcanaryError } from '../errors.js';

/** What was asked of the API server, for messages and RBAC hints. */
export interface KubeRequest {
  /** Kubernetes verb: get, list, watch, create, patch, delete. */
  readonly verb: string;
  /** `plural.group` or `plural` for the core group; `/status` appended for the subresource. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

function describe(request: KubeRequest): string {
  const target = request.name ? `${request.resource} "${request.name}"` : request.resource;
  const where = request.namespace ? ` in namespace "${request.namespace}"` : '';
  return `${request.verb} ${target}${where}`;
}

export class KubeError extends KcanaryError {
  /** HTTP status, or 0 when no answer came (connection failure). */
  readonly status: number;
  readonly request: KubeRequest;
  /** The `reason` of the API server's Status object (NotFound, Conflict, AlreadyExists, ...). */
  readonly reason: string | undefined;
  constructor(code: ErrorCode, status: number, request: KubeRequest, message: string, options?: { cause?: unknown; reason?: string }) {
    super(code, `${describe(request)}: ${message}`, options);
    this.name = 'KubeError';
    this.status = status;
    this.request = request;
    this.reason = options?.reason;
  }
}

/** 404: the object or its type (CRD not installed) does not exist. */
export class KubeNotFoundError extends KubeError {
  constructor(request: KubeRequest, message: string, options?: { cause?: unknown; reason?: string }) {
    super(ErrorCode.NotFound, 404, request, message, options);
    this.name = 'KubeNotFoundError';
  }
}

/** 409: another writer changed the object first (retryable) or it already exists (not). */
export class KubeConflictError extends KubeError {
  constructor(request: KubeRequest, message: string, options?: { cause?: unknown; reason?: string }) {
    super(ErrorCode.Conflict, 409, request, message, options);
    this.name = 'KubeConflictError';
  }

  get isAlreadyExists(): boolean {
    return this.reason === 'AlreadyExists';
  }
}

/** 401/403: the credentials lack a permission; the message names it. */
export class KubeForbiddenError extends KubeError {
  /** The RBAC rule that would allow the request. */
  readonly missing: { readonly verb: string; readonly resource: string; readonly namespace?: string };
  constructor(status: number, request: KubeRequest, message: string, options?: { cause?: unknown; reason?: string }) {
    const where = request.namespace ? ` in namespace "${request.namespace}"` : ' (cluster-wide)';
    const hint = status === 401
      ? 'the API server did not accept the credentials (check the kubeconfig user or token)'
      : `missing permission: verb "${request.verb}" on resource "${request.resource}"${where}. Grant it with a Role/RoleBinding. Server said: ${message}`;
    super(ErrorCode.Forbidden, status, request, hint, options);
    this.name = 'KubeForbiddenError';
    this.missing = { verb: request.verb, resource: request.resource, ...(request.namespace ? { namespace: request.namespace } : {}) };
  }
}

/** 400/422: the API server rejected the object itself; never retried. */
export class KubeInvalidError extends KubeError {
  /** Per-field causes from the Status details (`spec.x: Invalid value ...`). */
  readonly causes: readonly { readonly field: string; readonly message: string }[];
  constructor(status: number, request: KubeRequest, message: string, causes: readonly { field: string; message: string }[], options?: { cause?: unknown; reason?: string }) {
    super(ErrorCode.Validation, status, request, message, options);
    this.name = 'KubeInvalidError';
    this.causes = causes;
  }
}

/** 429: the API server asks to slow down; retried after `retryAfterMs`. */
export class KubeThrottledError extends KubeError {
  readonly retryAfterMs: number | undefined;
  constructor(request: KubeRequest, message: string, retryAfterMs: number | undefined, options?: { cause?: unknown; reason?: string }) {
    super(ErrorCode.Upstream, 429, request, message, options);
    this.name = 'KubeThrottledError';
    this.retryAfterMs = retryAfterMs;
  }
}

/** 5xx, or no answer at all (connection refused or reset): transient, retried. */
export class KubeUnavailableError extends KubeError {
  constructor(status: number, request: KubeRequest, message: string, options?: { cause?: unknown; reason?: string }) {
    super(ErrorCode.Upstream, status, request, message, options);
    this.name = 'KubeUnavailableError';
  }
}

/** Any other answer the adapter does not know how to classify. */
export class KubeUnexpectedError extends KubeError {
  constructor(status: number, request: KubeRequest, message: string, options?: { cause?: unknown; reason?: string }) {
    super(ErrorCode.Upstream, status, request, message, options);
    this.name = 'KubeUnexpectedError';
  }
}

/** Node/fetch error codes that mean the request may not have reached the server, or its answer was lost. */
const TRANSIENT_NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'ECONNABORTED']);

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { field?: string; message?: string }[]; retryAfterSeconds?: number };
}

function parseBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as StatusBody) : {};
}

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /socket hang up|other side closed|ECONNRESET/.test(message)) return 'ECONNRESET';
  }
  return undefined;
}

function retryAfter(headers: Record<string, string> | undefined, body: StatusBody): number | undefined {
  const header = headers?.['retry-after'] ?? headers?.['Retry-After'];
  const seconds = header !== undefined ? Number(header) : body.details?.retryAfterSeconds;
  return seconds !== undefined && Number.isFinite(seconds) ? seconds * 1000 : undefined;
}

/** Translates whatever @kubernetes/client-node threw into one of the classes above. */
export function toKubeError(error: unknown, request: KubeRequest): KubeError {
  if (error instanceof KubeError) return error;
  const e = error as { code?: unknown; body?: unknown; headers?: Record<string, string> };
  if (typeof e?.code === 'number' && e.code >= 100) {
    const status = e.code;
    const body = parseBody(e.body);
    const message = body.message ?? (error instanceof Error ? error.message : `HTTP ${status}`);
    const options = { cause: error, ...(body.reason ? { reason: body.reason } : {}) };
    if (status === 404) return new KubeNotFoundError(request, message, options);
    if (status === 409) return new KubeConflictError(request, message, options);
    if (status === 401 || status === 403) return new KubeForbiddenError(status, request, message, options);
    if (status === 400 || status === 422) {
      const causes = (body.details?.causes ?? []).map((c) => ({ field: c.field ?? '', message: c.message ?? '' }));
      return new KubeInvalidError(status, request, message, causes, options);
    }
    if (status === 429) return new KubeThrottledError(request, message, retryAfter(e.headers, body), options);
    if (status >= 500) return new KubeUnavailableError(status, request, message, options);
    return new KubeUnexpectedError(status, request, message, options);
  }
  const code = networkCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code) return new KubeUnavailableError(0, request, `no answer from the API server (${code}): ${message}`, { cause: error });
  return new KubeUnexpectedError(0, request, message, { cause: error });
}

/** Whether repeating the same request (after re-reading) can succeed. Validation, permission and missing-object errors never can. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof KubeConflictError) return !error.isAlreadyExists;
  return error instanceof KubeThrottledError || error instanceof KubeUnavailableError;
}
