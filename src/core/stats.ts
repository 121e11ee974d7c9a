/** Small exact statistics used to check a traffic split. */

function logFactorialTable(n: number): Float64Array {
  const table = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) table[i] = table[i - 1]! + Math.log(i);
  return table;
}

/**
 * Two-sided exact binomial test: the probability, under Binomial(n, p), of an
 * outcome no more likely than k (R's binom.test). 1 when n is 0.
 */
export function binomialTestPValue(k: number, n: number, p: number): number {
  if (n === 0) return 1;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  const lf = logFactorialTable(n);
  const logPmf = (i: number): number => lf[n]! - lf[i]! - lf[n - i]! + i * Math.log(p) + (n - i) * Math.log1p(-p);
  const observed = logPmf(k);
  const slack = 1e-7; // relative tolerance for ties, as R uses
  let total = 0;
  for (let i = 0; i <= n; i++) {
    const lp = logPmf(i);
    if (lp <= observed + Math.log1p(slack)) total += Math.exp(lp);
  }
  return Math.min(1, total);
}
