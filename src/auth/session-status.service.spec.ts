import { Types } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { refreshTokenRecord } from './refresh-token.fixture';
import { RefreshTokenRecord, RevokedReason } from './refresh-token.schema';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { SessionStatusService } from './session-status.service';
import { SessionsRepository } from './sessions.repository';

const token = refreshTokenRecord;

const rotated = (next: RefreshTokenRecord) =>
  token({ revokedAt: new Date(), revokedReason: RevokedReason.ROTATED, nextId: next._id });

describe(SessionStatusService.name, () => {
  function serviceWith(chain: RefreshTokenRecord[], cacheSeconds = 0) {
    const byId = new Map(chain.map((record) => [record._id.toHexString(), record]));
    const sessions = { findHeadTokenId: jest.fn().mockResolvedValue(chain[0]?._id) };
    const tokens = {
      findById: jest.fn((id: Types.ObjectId) =>
        Promise.resolve(byId.get(id.toHexString()) ?? null),
      ),
    };
    const service = new SessionStatusService(
      sessions as unknown as SessionsRepository,
      tokens as unknown as RefreshTokensRepository,
      { sessionCheckCacheSeconds: cacheSeconds } as AppConfig,
    );
    return { service, sessions, tokens };
  }

  it('is active while the head token is neither revoked nor expired', async () => {
    expect(await serviceWith([token()]).service.isActive('s')).toBe(true);
    expect(
      await serviceWith([token({ expiresAt: new Date(Date.now() - 1) })]).service.isActive('s'),
    ).toBe(false);
  });

  it.each([
    RevokedReason.LOGOUT,
    RevokedReason.REVOKED,
    RevokedReason.REUSE_DETECTED,
    RevokedReason.PASSWORD_CHANGED,
  ])('has ended when the head was revoked for %s', async (reason) => {
    expect(
      await serviceWith([token({ revokedAt: new Date(), revokedReason: reason })]).service.isActive(
        's',
      ),
    ).toBe(false);
  });

  it('follows rotations the recorded head lags behind', async () => {
    const head = token();
    const middle = rotated(head);
    expect(await serviceWith([rotated(middle), middle, head]).service.isActive('s')).toBe(true);
    const ended = token({ revokedAt: new Date(), revokedReason: RevokedReason.LOGOUT });
    expect(await serviceWith([rotated(ended), ended]).service.isActive('s')).toBe(false);
  });

  it('knows no session without a sessions entry', async () => {
    expect(await serviceWith([]).service.isActive('s')).toBe(false);
  });

  it('trusts a look for SESSION_CHECK_CACHE_SECONDS, and forgets it on request', async () => {
    const { service, sessions } = serviceWith([token()], 60);
    await service.isActive('s');
    await service.isActive('s');
    expect(sessions.findHeadTokenId).toHaveBeenCalledTimes(1);
    service.forget('s');
    await service.isActive('s');
    expect(sessions.findHeadTokenId).toHaveBeenCalledTimes(2);
  });
});
