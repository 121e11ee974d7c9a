/**
 * Is a KServe-protocol server ready? V2 (`/v2/health/ready`) first, then V1
 * (`/v1/models/<name>` answering `"ready": true`), as either kind of server
 * may be behind a local variant.
 */
export interface Readiness {
  readonly ready: boolean;
  readonly message: string;
}

export async function probeReadiness(baseUrl: string, modelName: string, timeoutMs = 1000, fetchFn: typeof fetch = fetch): Promise<Readiness> {
  try {
    const v2 = await fetchFn(`${baseUrl}/v2/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    await v2.arrayBuffer();
    if (v2.ok) return { ready: true, message: 'ready (V2 protocol)' };
    const v1 = await fetchFn(`${baseUrl}/v1/models/${encodeURIComponent(modelName)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await v1.json().catch(() => null)) as { ready?: unknown } | null;
    if (v1.ok && (body?.ready === true || body?.ready === 'True')) return { ready: true, message: 'ready (V1 protocol)' };
    return { ready: false, message: `not ready: /v2/health/ready answered ${v2.status}, /v1/models/${modelName} answered ${v1.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { ready: false, message: `not reachable at ${baseUrl} (${cause})` };
  }
}
