/**
 * Prometheus' instant-query API, reduced to what the provider needs: a vector
 * of (labels, value) or an error message. Never throws: Prometheus down, a
 * timeout, a query error and NaN all come back as data.
 */

export interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  /** May be NaN or ±Inf: Prometheus sends them as strings. */
  readonly value: number;
}

export type QueryResult =
  | { readonly ok: true; readonly samples: readonly Sample[] }
  | { readonly ok: false; readonly error: string };

/** One series of a range selector: its raw samples, oldest first. */
export interface RawSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** [milliseconds, value] as scraped. */
  readonly points: readonly (readonly [number, number])[];
}

export type SeriesResult =
  | { readonly ok: true; readonly series: readonly RawSeries[] }
  | { readonly ok: false; readonly error: string };

export interface PrometheusClientOptions {
  readonly address: string;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

interface ApiResponse {
  status?: string;
  error?: string;
  errorType?: string;
  data?: {
    resultType?: string;
    result?: unknown;
  };
}

type Raw = [number, string];

export class PrometheusClient {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: PrometheusClientOptions) {
    this.base = options.address.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.fetchFn = options.fetch ?? fetch;
  }

  get address(): string {
    return this.base;
  }

  /** One instant query evaluated at `atMs`. */
  async query(promql: string, atMs: number): Promise<QueryResult> {
    const answer = await this.post(promql, atMs);
    if (!answer.ok) return answer;
    const { resultType, result } = answer.data;
    if (resultType === 'scalar') return { ok: true, samples: [{ labels: {}, value: Number((result as Raw)[1]) }] };
    if (resultType === 'vector' && Array.isArray(result)) {
      return {
        ok: true,
        samples: (result as { metric?: Record<string, string>; value: Raw }[]).map((s) => ({ labels: s.metric ?? {}, value: Number(s.value[1]) })),
      };
    }
    return { ok: false, error: `Prometheus returned a ${resultType ?? 'missing'} result; an instant vector or scalar was expected` };
  }

  /** The raw samples of a range selector (`metric{…}[90s]`) evaluated at `atMs`. */
  async series(promql: string, atMs: number): Promise<SeriesResult> {
    const answer = await this.post(promql, atMs);
    if (!answer.ok) return answer;
    const { resultType, result } = answer.data;
    if (resultType !== 'matrix' || !Array.isArray(result)) return { ok: false, error: `Prometheus returned a ${resultType ?? 'missing'} result; a range vector was expected` };
    return {
      ok: true,
      series: (result as { metric?: Record<string, string>; values?: Raw[] }[]).map((s) => ({
        labels: s.metric ?? {},
        points: (s.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)] as const),
      })),
    };
  }

  private async post(promql: string, atMs: number): Promise<{ ok: true; data: NonNullable<ApiResponse['data']> } | { ok: false; error: string }> {
    const body = new URLSearchParams({ query: promql, time: (atMs / 1000).toFixed(3), timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s` });
    let response: Response;
    try {
      response = await this.fetchFn(`${this.base}/api/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') return { ok: false, error: `Prometheus at ${this.base} did not answer within ${this.timeoutMs} ms` };
      return { ok: false, error: `Prometheus at ${this.base} unreachable: ${e.cause?.code ?? e.message}` };
    }
    let parsed: ApiResponse;
    try {
      parsed = await response.json() as ApiResponse;
    } catch {
      return { ok: false, error: `Prometheus at ${this.base} answered HTTP ${response.status} with a body that is not JSON` };
    }
    if (parsed.status !== 'success') return { ok: false, error: `Prometheus query failed (HTTP ${response.status}, ${parsed.errorType ?? 'error'}): ${parsed.error ?? 'no message'}` };
    return { ok: true, data: parsed.data ?? {} };
  }
}
