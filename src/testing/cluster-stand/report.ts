/** The cluster stand's results as a Markdown table: per router, time to promote and to roll back, and a rollback's writes. */
import type { RolloutResult } from './run-rollout.js';

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const seconds = (v: number | null) => (v === null ? '–' : `${v.toFixed(1)} s`);
const range = (values: readonly number[]) => (values.length ? `${seconds(median(values))} (${seconds(Math.min(...values))}–${seconds(Math.max(...values))})` : '–');

export function resultTable(results: readonly RolloutResult[]): string {
  const routers = [...new Set(results.map((r) => r.router))];
  const lines = [
    '| router | healthy: promoted | time to promote (median, min–max) | bad: rolled back | bad canary served for | time to RolledBack | rollback writes | requests to a not-Ready variant |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const router of routers) {
    const healthy = results.filter((r) => r.router === router && r.canary === 'healthy');
    const bad = results.filter((r) => r.router === router && r.canary === 'bad');
    const promoted = healthy.filter((r) => r.phase === 'Succeeded');
    const rolledBack = bad.filter((r) => r.phase === 'RolledBack');
    const writes = rolledBack.map((r) => r.rollbackWrites).filter((w): w is number => w !== null);
    lines.push(`| ${router} | ${promoted.length}/${healthy.length} | ${range(promoted.map((r) => r.seconds))} | ${rolledBack.length}/${bad.length} | ${range(rolledBack.map((r) => r.canaryTrafficSeconds ?? 0))} | ${range(rolledBack.map((r) => r.seconds))} | ${writes.length ? `${Math.min(...writes)}–${Math.max(...writes)}` : '–'} | ${results.filter((r) => r.router === router).reduce((s, r) => s + r.notReady, 0)} |`);
  }
  return lines.join('\n');
}
