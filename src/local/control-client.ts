/** The CLI's side of the control API. */
import type { Command } from '../core/commands.js';
import { KcanaryError, ErrorCode } from '../errors.js';
import type { ControlEndpoint } from '../store/state-file.js';
import type { RolloutSnapshot } from './snapshot.js';

export class ControlClient {
  constructor(private readonly endpoint: ControlEndpoint, private readonly fetchFn: typeof fetch = fetch) {}

  async snapshot(): Promise<RolloutSnapshot> {
    return (await this.call('GET', '/api/v1/status')) as RolloutSnapshot;
  }

  async command(command: Command): Promise<{ ok: boolean; reason: string; snapshot: RolloutSnapshot }> {
    return (await this.call('POST', '/api/v1/commands', command, [409])) as { ok: boolean; reason: string; snapshot: RolloutSnapshot };
  }

  private async call(method: string, path: string, body?: unknown, accepted: number[] = []): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetchFn(`${this.endpoint.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.endpoint.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new KcanaryError(ErrorCode.Upstream, `the rollout's control API at ${this.endpoint.url} did not answer: is \`kcanary up\` running?`, { cause: error });
    }
    const payload = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok && !accepted.includes(response.status)) {
      throw new KcanaryError(ErrorCode.Upstream, `control API: ${response.status} ${payload.error ?? ''}`.trim());
    }
    return payload;
  }
}
