/** Polls until `probe` yields a value (not undefined/false), or fails naming what it waited for and the last error seen. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false | 0>, options: { timeoutMs?: number; intervalMs?: number; context?: () => string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false && value !== 0) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const context = options.context?.();
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}${context ? ` (${context})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
