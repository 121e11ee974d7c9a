/**
 * Smooth weighted round-robin between two choices (nginx's algorithm, reduced
 * to two peers). Unlike a random draw, the split is exact over any window:
 * after N picks the "second" choice has been taken N×percent/100 times, within one.
 */
export class SmoothSplit {
  #percent = 0;
  #first = 0;
  #second = 0;

  constructor(percent = 0) {
    this.set(percent);
  }

  get percent(): number {
    return this.#percent;
  }

  /**
   * Restarts the sequence so a new share is exact from the next pick on. Setting the
   * same share again changes nothing: restarting on every call would starve the
   * second choice when a caller re-applies its weight more often than requests come.
   */
  set(percent: number): void {
    if (percent === this.#percent) return;
    this.#percent = percent;
    this.#first = 0;
    this.#second = 0;
  }

  /** True when this pick goes to the second choice (the one `percent` is about). */
  pickSecond(): boolean {
    const second = this.#percent;
    if (second === 0) return false;
    if (second === 100) return true;
    this.#first += 100 - second;
    this.#second += second;
    // Ties go to the first choice, so weight 50 starts with the first.
    if (this.#second > this.#first) {
      this.#second -= 100;
      return true;
    }
    this.#first -= 100;
    return false;
  }
}

/** Validates a whole percent; the gateway's setters and options share it. */
export function isWholePercent(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100;
}
