import { RateLimitRepository } from './rate-limit.repository';
import { RateLimiter, WINDOW_MS } from './rate-limiter.service';

/** Slots as the database keeps them: claiming one twice fails, whoever tries. */
function slotStore() {
  const taken = new Set<string>();
  const repository = {
    claim: jest.fn((key: string, window: number, slot: number) => {
      const id = `${window}|${slot}|${key}`;
      if (taken.has(id)) return Promise.resolve(false);
      taken.add(id);
      return Promise.resolve(true);
    }),
    isTaken: jest.fn((key: string, window: number, slot: number) =>
      Promise.resolve(taken.has(`${window}|${slot}|${key}`)),
    ),
    deleteExpired: jest.fn(),
  };
  return {
    repository,
    limiter: () => new RateLimiter(repository as unknown as RateLimitRepository),
  };
}

const NOW = 10 * WINDOW_MS + 15_000;

describe(RateLimiter.name, () => {
  it('allows exactly `limit` requests per key and window, then says when to retry', async () => {
    const limiter = slotStore().limiter();
    const decisions = await Promise.all(
      Array.from({ length: 8 }, () => limiter.consume('k', 5, NOW)),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(5);
    expect(decisions[7]).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(await limiter.consume('other', 5, NOW)).toEqual({ allowed: true });
    expect(await limiter.consume('k', 5, NOW + WINDOW_MS)).toEqual({ allowed: true });
  });

  it('shares the limit between instances, joining a busy window in a few lookups', async () => {
    const store = slotStore();
    const first = store.limiter();
    for (let i = 0; i < 37; i++) expect((await first.consume('k', 100, NOW)).allowed).toBe(true);
    store.repository.isTaken.mockClear();
    store.repository.claim.mockClear();

    const second = store.limiter();
    expect(await second.consume('k', 100, NOW)).toEqual({ allowed: true });
    expect(store.repository.isTaken.mock.calls.length).toBeLessThanOrEqual(
      2 * Math.ceil(Math.log2(100)),
    );
    expect(store.repository.claim).toHaveBeenCalledTimes(1);
    expect(store.repository.claim).toHaveBeenCalledWith(
      'k',
      expect.any(Number),
      38,
      expect.any(Date),
    );
  });

  it('refuses a key out of slots without asking the database again', async () => {
    const store = slotStore();
    const limiter = store.limiter();
    for (let i = 0; i < 3; i++) await limiter.consume('k', 2, NOW);
    store.repository.claim.mockClear();
    expect((await limiter.consume('k', 2, NOW)).allowed).toBe(false);
    expect(store.repository.claim).not.toHaveBeenCalled();
  });
});
