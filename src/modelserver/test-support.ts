// Shared by the model server's tests: the committed demo models and a started server.
import { fileURLToPath } from 'node:url';
import { startModelServer, type ModelServer, type ModelServerOptions } from './index.js';

export const housingModelDir = (version: 'v1' | 'v2' | 'v3'): string =>
  fileURLToPath(new URL(`../../models/housing/${version}`, import.meta.url));

export function startHousingServer(version: 'v1' | 'v2' | 'v3', options: Partial<ModelServerOptions> = {}): Promise<ModelServer> {
  return startModelServer({ storageUri: `file://${housingModelDir(version)}`, modelName: 'housing', ...options });
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

export async function getJson(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** One held-out style row (MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup, Latitude, Longitude). */
export const SAMPLE_ROW = [3.6398, 21, 5.7364, 1.3882, 832, 3.0278, 34.2237, -118.5062] as const;
