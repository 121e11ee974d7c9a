/** Waits until the API server serves a CRD (Established), so objects of its kind can be created. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { TimeoutError } from '../errors.js';
import { kubeRequest } from './apply-objects.js';

interface CrdStatus { status?: { conditions?: { type: string; status: string }[] } }

export async function waitForCrd(kc: KubeConfig, name: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline && !options.signal?.aborted) {
    const crd = await kubeRequest(kc, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`) as CrdStatus;
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await sleep(100);
  }
  throw new TimeoutError(`CRD ${name} was not Established in time`);
}
