/** Small display helpers shared by the page's parts. */

export function timeOf(iso: string | number): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '–' : date.toLocaleTimeString(undefined, { hour12: false });
}

export function numberOf(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3)) return value.toExponential(2);
  return String(Number(value.toPrecision(digits)));
}

/** Verdicts and phases map onto a few colours. */
export function toneOf(word: string): 'good' | 'bad' | 'warn' | 'info' {
  if (word === 'pass' || word === 'Succeeded') return 'good';
  if (word === 'fail' || word === 'error' || word === 'Failed' || word === 'RolledBack' || word === 'RollingBack') return 'bad';
  if (word === 'inconclusive' || word === 'Paused' || word === 'Pending') return 'warn';
  return 'info';
}
