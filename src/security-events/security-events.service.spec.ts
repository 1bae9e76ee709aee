import { Logger } from '@nestjs/common';
import { Types } from 'mongoose';
import { AppConfig } from '../config/app-config';
import { Cleanup } from '../database/cleanup';
import { Clock } from '../database/clock';
import { SecurityLog } from '../logging/security-log';
import { UsersService } from '../users/users.service';
import { SecurityEventType } from './security-event.schema';
import { SecurityEventsRepository } from './security-events.repository';
import { SecurityEventsService } from './security-events.service';

describe(SecurityEventsService.name, () => {
  const client = { ip: '203.0.113.7', userAgent: 'jest' };
  const repository = { insert: jest.fn() };
  const log = { recorded: jest.fn() };
  const service = new SecurityEventsService(
    repository as unknown as SecurityEventsRepository,
    {} as UsersService,
    log as unknown as SecurityLog,
    { register: jest.fn() } as unknown as Cleanup,
    new Clock(),
    { securityEventsRetentionSeconds: 86400 } as AppConfig,
  );

  beforeEach(() => jest.clearAllMocks());

  it('writes the log line and stores the event with one call', async () => {
    repository.insert.mockResolvedValue(undefined);
    const userId = new Types.ObjectId();
    await service.record({ type: SecurityEventType.LOGOUT, userId, sessionId: 's', client });
    expect(log.recorded).toHaveBeenCalledWith(
      { event: 'logout', userId: userId.toHexString(), sessionId: 's', ip: client.ip },
      false,
    );
    expect(repository.insert).toHaveBeenCalledWith(
      expect.objectContaining({ userId, type: 'logout', sessionId: 's', actorId: null }),
    );
  });

  it('never fails the request when storing fails: the log line stands and a warning is logged', async () => {
    repository.insert.mockRejectedValue(new Error('database down'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(
      service.record({ type: SecurityEventType.SIGN_IN, userId: new Types.ObjectId(), client }),
    ).resolves.toBeUndefined();
    expect(log.recorded).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('sign-in'));
    warn.mockRestore();
  });

  it('stores an event without a user under no one (a failed sign-in naming nobody costs the same)', async () => {
    await service.record({ type: SecurityEventType.SIGN_IN_FAILED, userId: null, client });
    expect(log.recorded).toHaveBeenCalledWith({ event: 'sign-in-failed', ip: client.ip }, true);
    expect(repository.insert).toHaveBeenCalledWith(expect.objectContaining({ userId: null }));
  });
});
