/**
 * What the differential tests require of the gateway, as pure checks: a
 * message reaches the other side only if llhttp reads it from the original
 * bytes, and then with the same method, target, headers and body.
 */
import type { ParsedMessage } from './llhttp-reference.js';

/** Header names the gateway owns or drops on the way through (hop-by-hop, forwarding, framing). */
const NOT_COMPARED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-kcanary-variant',
  'content-length',
]);

function pairs(raw: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

function tokens(raw: readonly string[], name: string): string[] {
  return pairs(raw)
    .filter(([n]) => n === name)
    .flatMap(([, v]) => v.split(','))
    .map((t) => t.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase())
    .filter((t) => t !== '');
}

/** End-to-end header lines, in order, as `name: value` (names lower-cased). */
export function endToEndHeaders(raw: readonly string[], namedByConnection: readonly string[]): string[] {
  const named = new Set(namedByConnection);
  return pairs(raw)
    .filter(([n]) => !NOT_COMPARED.has(n) && !named.has(n))
    .map(([n, v]) => `${n}: ${v}`);
}

/** The transfer codings, in order. */
export function transferCodings(raw: readonly string[]): string[] {
  return tokens(raw, 'transfer-encoding');
}

/** The target as the gateway forwards it: absolute-form becomes origin-form. */
export function originForm(url: string): string {
  if (!/^https?:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

export interface Received {
  method?: string;
  url?: string;
  status?: number;
  rawHeaders: string[];
  rawTrailers: string[];
  body: Buffer;
  complete: boolean;
}

/**
 * Differences between what llhttp read from the original bytes (`reference`)
 * and what the other side received through the gateway (`received`); empty
 * when they agree. Bodies and trailers are compared only when both are complete.
 */
export function compareMessage(reference: ParsedMessage, received: Received, what: string): string[] {
  const problems: string[] = [];
  const named = tokens(reference.rawHeaders, 'connection');
  if (received.method !== undefined && received.method !== reference.method) problems.push(`${what}: method ${received.method} where llhttp reads ${reference.method}`);
  if (received.url !== undefined && received.url !== originForm(reference.url)) problems.push(`${what}: target ${JSON.stringify(received.url)} where llhttp reads ${JSON.stringify(reference.url)}`);
  if (received.status !== undefined && received.status !== reference.status) problems.push(`${what}: status ${received.status} where llhttp reads ${reference.status}`);
  const sent = endToEndHeaders(received.rawHeaders, []);
  const expected = endToEndHeaders(reference.rawHeaders, named);
  const headerDiff = firstDifference(sent, expected);
  if (headerDiff !== undefined) problems.push(`${what}: headers differ: ${headerDiff}`);
  const codings = transferCodings(received.rawHeaders);
  const expectedCodings = transferCodings(reference.rawHeaders);
  // A body llhttp reads as chunked may reach an HTTP/1.0 peer de-chunked; any other coding must stay.
  if (JSON.stringify(codings.filter((c) => c !== 'chunked')) !== JSON.stringify(expectedCodings.filter((c) => c !== 'chunked'))) {
    problems.push(`${what}: transfer codings ${JSON.stringify(codings)} where llhttp reads ${JSON.stringify(expectedCodings)}`);
  }
  if (received.complete && !reference.complete) problems.push(`${what}: complete on the other side, incomplete to llhttp`);
  if (received.complete && reference.complete) {
    if (!received.body.equals(reference.body)) problems.push(`${what}: body ${describe(received.body)} where llhttp reads ${describe(reference.body)}`);
    const trailers = endToEndHeaders(received.rawTrailers, []);
    const expectedTrailers = endToEndHeaders(reference.rawTrailers, named);
    const trailerDiff = firstDifference(trailers, expectedTrailers);
    if (trailerDiff !== undefined) problems.push(`${what}: trailers differ: ${trailerDiff}`);
  }
  return problems;
}

function firstDifference(got: readonly string[], expected: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(got.length, expected.length); i++) {
    if (got[i] !== expected[i]) return `line ${i + 1} is ${JSON.stringify(got[i]?.slice(0, 80))} where llhttp reads ${JSON.stringify(expected[i]?.slice(0, 80))}`;
  }
  return undefined;
}

function describe(body: Buffer): string {
  return body.length <= 40 ? JSON.stringify(body.toString('latin1')) : `${body.length} bytes`;
}
