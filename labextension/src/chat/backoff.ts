/**
 * Delays between reconnection attempts: doubling from `initialMs` up to
 * `maxMs`, with up to a quarter taken off at random so that a class of
 * browsers does not reconnect in one wave after a server restart.
 */
export class Backoff {
  constructor(options: Backoff.IOptions) {
    this._initialMs = options.initialMs;
    this._maxMs = Math.max(options.maxMs, options.initialMs);
    this._random = options.random ?? Math.random;
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this._attempts;
  }

  /** Return the delay before the next attempt, and count it. */
  next(): number {
    const base = Math.min(this._maxMs, this._initialMs * 2 ** this._attempts);
    this._attempts += 1;
    return Math.round(base * (1 - 0.25 * this._random()));
  }

  /** Start again from the initial delay, after a connection that worked. */
  reset(): void {
    this._attempts = 0;
  }

  private _attempts = 0;
  private _initialMs: number;
  private _maxMs: number;
  private _random: () => number;
}

export namespace Backoff {
  export interface IOptions {
    initialMs: number;
    maxMs: number;
    /** A source of numbers in [0, 1); `Math.random` by default. */
    random?: () => number;
  }
}
