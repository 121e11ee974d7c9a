/** Flag parsing shared by the verbs: node's parseArgs, with usage errors kcanary's way. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<T extends Options>(argv: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${usage}`, { cause: error });
  }
}

export function parseWholeNumber(value: string | undefined, flag: string, range: { min: number; max: number }): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < range.min || n > range.max) throw new UsageError(`${flag} must be a whole number from ${range.min} to ${range.max}, not "${value}"`);
  return n;
}

/** The flags every verb that finds a local rollout takes. */
export const rolloutFlags = {
  file: { type: 'string', short: 'f' },
  'state-dir': { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;
