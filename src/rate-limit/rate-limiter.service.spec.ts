import { RateLimitRepository } from './rate-limit.repository';
import { RateLimiter, WINDOW_MS } from './rate-limiter.service';

/** Slots as the database keeps them: claiming one twice fails, whoever tries. */
function slotStore() {
  const taken = new Set<string>();
  const take = (key: string, window: number, slot: number): boolean => {
    const id = `${window}|${slot}|${key}`;
    if (taken.has(id)) return false;
    taken.add(id);
    return true;
  };
  const repository = {
    claim: jest.fn((key: string, window: number, slot: number) =>
      Promise.resolve(take(key, window, slot)),
    ),
    claimMany: jest.fn((claims: { key: string; window: number; slot: number }[]) =>
      Promise.resolve(claims.map(({ key, window, slot }) => take(key, window, slot))),
    ),
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
    expect(decisions[7]).toEqual({ allowed: false, retryAfterSeconds: 45, refusedKey: 'k' });
    expect(await limiter.consume('other', 5, NOW)).toEqual({ allowed: true });
    expect(await limiter.consume('k', 5, NOW + WINDOW_MS)).toEqual({ allowed: true });
  });

  it('shares the limit between instances, joining a busy window in a few lookups', async () => {
    const store = slotStore();
    const first = store.limiter();
    for (let i = 0; i < 37; i++) expect((await first.consume('k', 100, NOW)).allowed).toBe(true);
    store.repository.isTaken.mockClear();
    store.repository.claim.mockClear();
    store.repository.claimMany.mockClear();

    const second = store.limiter();
    expect(await second.consume('k', 100, NOW)).toEqual({ allowed: true });
    expect(store.repository.isTaken.mock.calls.length).toBeLessThanOrEqual(
      2 * Math.ceil(Math.log2(100)),
    );
    // it hoped for slot 1 first, then found 38
    expect(store.repository.claimMany).toHaveBeenCalledTimes(1);
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
    store.repository.claimMany.mockClear();
    expect((await limiter.consume('k', 2, NOW)).allowed).toBe(false);
    expect(store.repository.claim).not.toHaveBeenCalled();
    expect(store.repository.claimMany).not.toHaveBeenCalled();
  });

  it('claims the slots of several limits in one round trip and names the one that is spent', async () => {
    const store = slotStore();
    const limiter = store.limiter();
    const limits = (user: string) => [
      { key: `pair:${user}`, limit: 5 },
      { key: 'ip', limit: 3 },
    ];
    for (const user of ['a', 'b', 'c']) {
      expect(await limiter.consumeAll(limits(user), NOW)).toEqual({ allowed: true });
    }
    expect(store.repository.claimMany).toHaveBeenCalledTimes(3);
    expect(store.repository.claim).not.toHaveBeenCalled();
    expect(store.repository.isTaken).not.toHaveBeenCalled();
    expect(await limiter.consumeAll(limits('d'), NOW)).toEqual({
      allowed: false,
      retryAfterSeconds: 45,
      refusedKey: 'ip',
    });
  });
});
