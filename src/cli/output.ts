/** Shared output helpers: the lab's weight bars, and -o json|yaml|table. */
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';

export const OutputFormat = { Table: 'table', Json: 'json', Yaml: 'yaml' } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

export function parseOutputFormat(value: string | undefined, fallback: OutputFormat = OutputFormat.Table): OutputFormat {
  if (value === undefined) return fallback;
  if (value === 'table' || value === 'json' || value === 'yaml') return value;
  throw new UsageError(`-o/--output must be table, json or yaml, not "${value}"`);
}

export function formatData(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data);
}

/** `████████████████░░░░` for 80% at width 20. */
export function bar(percent: number, width = 20): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** The lab's picture of a split: `primary (80%) ████████████████░░░░`. */
export function weightBars(canaryWeight: number, width = 20): string[] {
  const primary = 100 - canaryWeight;
  return [
    `primary (${primary}%)${' '.repeat(Math.max(1, 6 - String(primary).length))}${bar(primary, width)}`,
    `canary  (${canaryWeight}%)${' '.repeat(Math.max(1, 6 - String(canaryWeight).length))}${bar(canaryWeight, width)}`,
  ];
}

/** Columns padded to their widest cell. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
