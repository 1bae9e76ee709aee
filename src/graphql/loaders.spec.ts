import { RefreshTokensService } from '../sessions/refresh-tokens.service';
import { SessionsService } from '../sessions/sessions.service';
import { SecurityEventsService } from '../security-events/security-events.service';
import { LoadersFactory } from './loaders';

describe(LoadersFactory.name, () => {
  const refreshTokens = {
    pagesForUsers: jest.fn((ids: readonly string[]) => Promise.resolve(ids.map(() => []))),
  };
  const sessions = {
    listForUsers: jest.fn((ids: readonly string[]) => Promise.resolve(ids.map(() => []))),
  };
  const securityEvents = {
    listForUsers: jest.fn((ids: readonly string[]) => Promise.resolve(ids.map(() => []))),
  };
  const factory = new LoadersFactory(
    refreshTokens as unknown as RefreshTokensService,
    sessions as unknown as SessionsService,
    securityEvents as unknown as SecurityEventsService,
  );

  beforeEach(() => jest.clearAllMocks());

  it('batches the loads of one tick into one service call per loader', async () => {
    const loaders = factory.create();
    const keys = ['1', '2', '3', '1'].map((id) => ({ userId: id.repeat(24), limit: 100 }));
    const tokens = await Promise.all(keys.map((key) => loaders.refreshTokensByUserId.load(key)));

    expect(tokens).toEqual([[], [], [], []]);
    expect(refreshTokens.pagesForUsers).toHaveBeenCalledTimes(1);
    // the same user and page twice is one key
    expect(refreshTokens.pagesForUsers).toHaveBeenCalledWith(
      keys.slice(0, 3).map(({ userId }) => userId),
      { limit: 100 },
    );
    await Promise.all(
      ['4', '5'].map((id) => loaders.sessionsByUserId.load({ userId: id.repeat(24), limit: 10 })),
    );
    expect(sessions.listForUsers).toHaveBeenCalledTimes(1);
    expect(sessions.listForUsers).toHaveBeenCalledWith(['4'.repeat(24), '5'.repeat(24)], {
      limit: 10,
    });
  });

  it('loads the security events of N users with one service call per page', async () => {
    const loaders = factory.create();
    const ids = ['1', '2', '3'].map((id) => id.repeat(24));
    const events = await Promise.all([
      ...ids.map((userId) => loaders.securityEventsByUserId.load({ userId, limit: 5 })),
      loaders.securityEventsByUserId.load({ userId: ids[0], limit: 5 }),
    ]);
    expect(events).toEqual([[], [], [], []]);
    expect(securityEvents.listForUsers).toHaveBeenCalledTimes(1);
    expect(securityEvents.listForUsers).toHaveBeenCalledWith(ids, 5, undefined);
  });

  it('makes one call per distinct page, each answering its own keys', async () => {
    const loaders = factory.create();
    const [a, b] = ['a', 'b'].map((id) => id.repeat(24));
    await Promise.all([
      loaders.securityEventsByUserId.load({ userId: a, limit: 5 }),
      loaders.securityEventsByUserId.load({ userId: b, limit: 5 }),
      loaders.securityEventsByUserId.load({ userId: a, limit: 5, after: b }),
    ]);
    expect(securityEvents.listForUsers).toHaveBeenCalledTimes(2);
    expect(securityEvents.listForUsers).toHaveBeenCalledWith([a, b], 5, undefined);
    expect(securityEvents.listForUsers).toHaveBeenCalledWith([a], 5, b);
  });

  it('makes fresh loaders, so nothing is cached across requests', async () => {
    await factory.create().sessionsByUserId.load({ userId: 'a'.repeat(24), limit: 100 });
    await factory.create().sessionsByUserId.load({ userId: 'a'.repeat(24), limit: 100 });
    expect(sessions.listForUsers).toHaveBeenCalledTimes(2);
  });
});
