import { Backoff } from '../src/chat/backoff';

describe('Backoff', () => {
  it('takes at most a quarter off each delay at random', () => {
    const backoff = new Backoff({
      initialMs: 1000,
      maxMs: 30000,
      random: () => 0.999
    });

    const delay = backoff.next();

    expect(delay).toBeGreaterThanOrEqual(750);
    expect(delay).toBeLessThan(1000);
  });

  it('never waits less than the first delay allows for a bad maximum', () => {
    const backoff = new Backoff({
      initialMs: 2000,
      maxMs: 10,
      random: () => 0
    });

    expect([backoff.next(), backoff.next()]).toEqual([2000, 2000]);
  });
});
